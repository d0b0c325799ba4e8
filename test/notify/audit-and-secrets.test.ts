import 'reflect-metadata';
import { appendFile, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { AuditLog } from '../../lib/notify/audit.log.js';
import type { AuditRecord } from '../../lib/index.js';
import { CapturingLogger } from '../support/capturing-logger.js';
import { ConfigDir } from '../support/config-dir.js';
import { bootReloader, type ReloaderHarness } from '../support/reloader-app.js';
import { waitFor } from '../support/wait-for.js';

const FIRST_KEY = 'sk-live-FIRST-0123456789';
const SECOND_KEY = 'sk-live-SECOND-9876543210';
const DB_PASSWORD = 'hunter2-correct-horse';

const botConfig = (apiKey: string, stopLoss: number) => ({
  exchange: { name: 'binance', apiKey, credentials: { password: DB_PASSWORD } },
  strategies: [{ id: 'trend', risk: { stopLoss } }],
});

async function readAudit(file: string): Promise<AuditRecord[]> {
  const text = await readFile(file, 'utf8').catch(() => '');
  return text
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as AuditRecord);
}

describe('audit log and secrets', () => {
  let dir: ConfigDir;
  let harness: ReloaderHarness<ReturnType<typeof botConfig>> | undefined;

  afterEach(async () => {
    await harness?.close();
    harness = undefined;
    await dir?.dispose();
  });

  it('appends one redacted JSON line per load, reload, rollback and failure; no secret reaches the log', async () => {
    dir = await ConfigDir.create(botConfig(FIRST_KEY, 0.02));
    const auditLogPath = join(dir.dir, 'audit.jsonl');
    const logger = new CapturingLogger();
    harness = await bootReloader(
      {
        configPath: dir.file,
        auditLogPath,
        debounceMs: 20,
        verifyIntervalMs: 50,
        schema: {
          type: 'object',
          properties: {
            exchange: {
              type: 'object',
              properties: { apiKey: { type: 'string', pattern: '^sk-live-' } },
            },
          },
        },
      },
      { logger },
    );
    const { service, failed } = harness;

    await dir.write(botConfig(SECOND_KEY, 0.03));
    await waitFor(() => service.version === 2, { description: 'the reload' });
    await dir.write(botConfig('not-a-valid-key-but-secret', 0.03));
    await waitFor(() => failed.length === 1, { description: 'the failure' });
    // Rollback never overwrites a save made after the version in force (CONFIG_CONFLICT):
    // put the applied content back first, as an operator would.
    await dir.write(botConfig(SECOND_KEY, 0.03));
    await service.rollback(1);
    await waitFor(async () => (await readAudit(auditLogPath)).length === 4, {
      description: 'four audit lines',
    });

    const records = await readAudit(auditLogPath);
    expect(records.map((record) => [record.event, record.source, record.version])).toEqual([
      ['loaded', 'initial', 1],
      ['reloaded', 'watch', 2],
      ['reload_failed', 'watch', 2],
      ['reloaded', 'rollback', 3],
    ]);
    const reload = records[1]!;
    expect(reload).toMatchObject({
      name: 'default',
      previousVersion: 1,
      hash: expect.stringMatching(/^[0-9a-f]{64}$/),
      user: expect.any(String),
      fileOwnerUid: (await stat(dir.file)).uid,
    });
    expect(reload.changes).toEqual(
      expect.arrayContaining([
        { path: 'exchange.apiKey', oldValue: '[REDACTED]', newValue: '[REDACTED]' },
        { path: 'strategies.0.risk.stopLoss', oldValue: 0.02, newValue: 0.03 },
      ]),
    );
    expect(records[2]!.error).toMatchObject({ code: 'CONFIG_VALIDATION' });
    expect(records[3]).toMatchObject({ rolledBackTo: 1, previousVersion: 2 });

    const everything = `${await readFile(auditLogPath, 'utf8')}\n${logger.text}`;
    for (const secret of [FIRST_KEY, SECOND_KEY, DB_PASSWORD, 'not-a-valid-key-but-secret']) {
      expect(everything).not.toContain(secret);
    }
    expect(logger.text).toContain('config v2 applied');
    expect(logger.text).toContain('exchange.apiKey'); // the path is named, never the value
  });

  it('closes off a line cut short by a crash, so every later line parses', async () => {
    dir = await ConfigDir.create({});
    const file = join(dir.dir, 'audit.jsonl');
    await appendFile(file, '{"time":"2026-01-01T00:00:00Z","event":"relo'); // crash mid-write
    const log = new AuditLog(file);
    const record = (version: number): AuditRecord => ({
      time: new Date().toISOString(),
      name: 'default',
      event: 'reloaded',
      source: 'watch',
      version,
      user: 'test',
    });
    await Promise.all([1, 2, 3].map((version) => log.append(record(version))));
    const lines = (await readFile(file, 'utf8')).split('\n').filter(Boolean);
    expect(lines).toHaveLength(4);
    expect(lines.slice(1).map((line) => (JSON.parse(line) as AuditRecord).version)).toEqual([
      1, 2, 3,
    ]);
  });

  it('never interleaves lines from two instances writing one audit file', async () => {
    dir = await ConfigDir.create({});
    const file = join(dir.dir, 'audit.jsonl');
    const first = new AuditLog(file);
    const second = new AuditLog(file);
    const big = 'x'.repeat(1_500_000); // Node writes this in several chunks
    const writes = Array.from({ length: 20 }, (_, index) =>
      (index % 2 ? first : second).append({
        time: big,
        name: String(index),
        event: 'reloaded',
        source: 'watch',
        version: index,
        user: 'test',
      }),
    );
    await Promise.all(writes);
    const lines = (await readFile(file, 'utf8')).split('\n').filter(Boolean);
    expect(lines).toHaveLength(20);
    for (const line of lines) expect(() => JSON.parse(line)).not.toThrow();
  });
});
