import 'reflect-metadata';
import { chmod, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Command } from 'commander';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { applyCommand } from '../../lib/cli/commands/apply.command.js';
import type { CliOutput } from '../../lib/cli/shared/cli-output.js';
import { schemaCommand } from '../../lib/cli/commands/schema.command.js';
import { AuditLog, type AuditRecord } from '../../lib/notify/audit.log.js';
import { ConfigCache } from '../../lib/sources/etcd/config-cache.js';
import { etcdSource } from '../../lib/sources/etcd/index.js';
import { CapturingLogger } from '../support/capturing-logger.js';
import { bootReloader, type ReloaderHarness } from '../support/reloader-app.js';

const modeOf = async (file: string) => (await stat(file)).mode & 0o777;

const record: AuditRecord = {
  time: new Date().toISOString(),
  name: 'default',
  event: 'loaded',
  source: 'initial',
  version: 1,
  user: 'test',
};

/** Runs one CLI command in this process (so that it runs under this process's umask). */
async function runCli(
  make: (output: CliOutput, setExitCode: (code: number) => void) => Command,
  args: string[],
): Promise<{ code: number; err: string }> {
  let code = 0;
  const err: string[] = [];
  const output: CliOutput = {
    out: () => undefined,
    err: (line) => err.push(line),
    paint: (_, text) => text,
  };
  await make(output, (exitCode) => (code = exitCode))
    .exitOverride()
    .parseAsync(args, { from: 'user' });
  return { code, err: err.join('\n') };
}

describe('modes of the files the module and the CLI create', () => {
  let dir: string;
  let umaskBefore: number;
  let harness: ReloaderHarness<{ revision: number }> | undefined;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'file-modes-'));
    umaskBefore = process.umask();
  });

  afterEach(async () => {
    process.umask(umaskBefore);
    await harness?.close();
    harness = undefined;
    await rm(dir, { recursive: true, force: true });
  });

  // 0o000 lets through whatever mode a file is created with; 0o077 is what a careful operator sets.
  describe.each(['000', '022', '077'])('under umask %s', (umask) => {
    beforeEach(() => void process.umask(parseInt(umask, 8)));

    it('creates the audit log 0600', async () => {
      const file = join(dir, 'audit.jsonl');
      await new AuditLog(file).append(record);
      expect(await modeOf(file)).toBe(0o600);
    });

    it('creates the etcd cache 0600', async () => {
      const file = join(dir, 'bot.cache.json');
      await new ConfigCache(file, '/bot/config').save({ revision: '7', hash: 'h', text: '{}' });
      expect(await modeOf(file)).toBe(0o600);
    });

    it('creates the target of apply 0600 when it does not exist yet', async () => {
      const candidate = join(dir, 'candidate.json');
      await writeFile(candidate, '{"exchange":{"apiKey":"k"}}');
      const target = join(dir, 'bot.json');
      expect(await runCli(applyCommand, [candidate, '--to', target])).toMatchObject({ code: 0 });
      expect(await readFile(target, 'utf8')).toBe('{"exchange":{"apiKey":"k"}}');
      expect(await modeOf(target)).toBe(0o600);
    });

    it('writes schema --out 0600', async () => {
      const dto = join(dir, 'bot.dto.mjs');
      await writeFile(dto, 'export class BotConfig {}\n');
      const out = join(dir, 'bot.schema.json');
      const result = await runCli(schemaCommand, ['--dto', `${dto}#BotConfig`, '--out', out]);
      expect(result).toMatchObject({ code: 0 });
      expect(JSON.parse(await readFile(out, 'utf8'))).toMatchObject({ type: 'object' });
      expect(await modeOf(out)).toBe(0o600);
    });
  });

  it.each(['640', '644', '600'])('keeps the mode %s of a target apply replaces', async (octal) => {
    const mode = parseInt(octal, 8);
    const candidate = join(dir, 'candidate.json');
    await writeFile(candidate, '{"revision":2}');
    const target = join(dir, 'bot.json');
    await writeFile(target, '{"revision":1}');
    await chmod(target, mode);
    expect(await runCli(applyCommand, [candidate, '--to', target])).toMatchObject({ code: 0 });
    expect(await readFile(target, 'utf8')).toBe('{"revision":2}');
    expect(await modeOf(target)).toBe(mode);
  });

  describe('an existing file readable by group or others', () => {
    const readableWarnings = (logger: CapturingLogger, file: string) =>
      logger.lines.filter(
        (line) =>
          line.level === 'warn' && line.text.includes(file) && line.text.includes('chmod 600'),
      );

    it.each(['644', '640', '604'])('warns once about an audit log of mode %s', async (octal) => {
      const mode = parseInt(octal, 8);
      const config = join(dir, 'bot.json');
      await writeFile(config, '{"revision":1}');
      const auditLogPath = join(dir, 'audit.jsonl');
      await writeFile(auditLogPath, '');
      await chmod(auditLogPath, mode);
      const logger = new CapturingLogger();
      harness = await bootReloader<{ revision: number }>(
        { configPath: config, auditLogPath, autoReload: false },
        { logger },
      );
      for (const revision of [2, 3]) {
        await writeFile(config, JSON.stringify({ revision }));
        await harness.service.reloadConfig();
      }
      expect(harness.service.version).toBe(3);
      const warnings = readableWarnings(logger, auditLogPath);
      expect(warnings).toHaveLength(1);
      expect(warnings[0]!.text).toContain(`mode 0${octal}`);
      // The file is left as the operator made it; the warning says how to fix it.
      expect(await modeOf(auditLogPath)).toBe(mode);
    });

    it('does not warn about an audit log of mode 0600', async () => {
      const config = join(dir, 'bot.json');
      await writeFile(config, '{"revision":1}');
      const auditLogPath = join(dir, 'audit.jsonl');
      await writeFile(auditLogPath, '');
      await chmod(auditLogPath, 0o600);
      const logger = new CapturingLogger();
      harness = await bootReloader<{ revision: number }>(
        { configPath: config, auditLogPath, autoReload: false },
        { logger },
      );
      await harness.service.reloadConfig();
      const aboutAuditLog = logger.lines.filter(
        (line) => line.level === 'warn' && line.text.includes(auditLogPath),
      );
      expect(aboutAuditLog).toEqual([]);
    });

    it('warns once about an etcd cache of mode 0644, loaded or saved', async () => {
      const file = join(dir, 'bot.cache.json');
      const warnings: string[] = [];
      const writer = new ConfigCache(file, '/bot/config');
      await writer.save({ revision: '7', hash: 'h', text: '{"apiKey":"sk-live-123"}' });
      await chmod(file, 0o644);

      const cache = new ConfigCache(file, '/bot/config', (message) => warnings.push(message));
      expect(await cache.load()).toMatchObject({ revision: '7' });
      await cache.save({ revision: '8', hash: 'h', text: '{"apiKey":"sk-live-123"}' });
      await cache.save({ revision: '9', hash: 'h', text: '{"apiKey":"sk-live-123"}' });
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toContain(file);
      expect(warnings[0]).toContain(`chmod 600 ${file}`);
      expect(warnings[0]).not.toContain('sk-live-123');
    });

    it('logs the warning when the etcd source starts on a readable cache', async () => {
      const cachePath = join(dir, 'bot.cache.json');
      const key = '/bot/config';
      await new ConfigCache(cachePath, key).save({
        revision: '7',
        hash: 'h',
        text: '{"revision":1}',
      });
      await chmod(cachePath, 0o644);
      const logger = new CapturingLogger();
      // Nothing listens on port 1: etcd is unreachable, so the source starts on its cache.
      harness = await bootReloader<{ revision: number }>(
        {
          configSource: etcdSource({
            hosts: '127.0.0.1:1',
            key,
            cachePath,
            dialTimeoutMs: 500,
            reportStatus: false,
          }),
          autoReload: false,
        },
        { logger },
      );
      expect(harness.service.config).toEqual({ revision: 1 });
      expect(readableWarnings(logger, cachePath)).toHaveLength(1);
    });
  });
});
