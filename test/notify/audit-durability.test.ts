import 'reflect-metadata';
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { mkdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Injectable } from '@nestjs/common';
import { EventEmitterModule, OnEvent } from '@nestjs/event-emitter';
import { Test, type TestingModule } from '@nestjs/testing';
import { afterEach, describe, expect, it } from 'vitest';
import {
  CONFIG_RELOADED,
  ConfigAuditError,
  ConfigReloaderModule,
  ConfigReloaderService,
  type AuditRecord,
  type ConfigReloadedEvent,
  type ConfigReloaderOptions,
} from '../../lib/index.js';
import { CapturingLogger } from '../support/capturing-logger.js';
import { ConfigDir } from '../support/config-dir.js';
import { bootReloader, type ReloaderHarness } from '../support/reloader-app.js';
import { waitFor } from '../support/wait-for.js';

interface Settings {
  revision: number;
}

/** The audit file as it is on disk this very moment (a synchronous read: no I/O can land meanwhile). */
function auditNow(file: string): AuditRecord[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return [];
  }
  return text
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as AuditRecord);
}

const hasReloadRecord = (file: string, version: number) =>
  auditNow(file).some((record) => record.event === 'reloaded' && record.version === version);

/** What one observer saw in the audit file when it was told of a version. */
interface Sighting {
  observer: string;
  version: number;
  recorded: boolean;
}

// Set by each test before the module is built: where the @OnEvent handler looks.
let auditFileForHandler = '';
const handlerSightings: Sighting[] = [];

@Injectable()
class AuditCheckingHandler {
  @OnEvent(CONFIG_RELOADED)
  handle(event: ConfigReloadedEvent<Settings>): void {
    handlerSightings.push({
      observer: '@OnEvent handler',
      version: event.version,
      recorded: hasReloadRecord(auditFileForHandler, event.version),
    });
  }
}

/** /dev/full fails every write with ENOSPC: a full disk on demand. */
const FULL_DEVICE = '/dev/full';

function fullDeviceProblem(): string | undefined {
  if (!existsSync(FULL_DEVICE)) return `${FULL_DEVICE} is absent on this machine`;
  try {
    appendFileSync(FULL_DEVICE, 'probe\n');
    return `${FULL_DEVICE} accepted a write instead of failing with ENOSPC`;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return code === 'ENOSPC' ? undefined : `writing ${FULL_DEVICE} failed with ${code}, not ENOSPC`;
  }
}

describe('audit record durability', () => {
  let dir: ConfigDir;
  let moduleRef: TestingModule | undefined;
  let harness: ReloaderHarness<Settings> | undefined;

  afterEach(async () => {
    await moduleRef?.close();
    moduleRef = undefined;
    await harness?.close();
    harness = undefined;
    handlerSightings.splice(0);
    await dir?.dispose();
  });

  /** A module with the three kinds of observers, each reading the audit file as it is told. */
  async function bootObserved(options: Partial<ConfigReloaderOptions<Settings>>) {
    dir = await ConfigDir.create({ revision: 1 });
    const auditLogPath = join(dir.dir, 'audit.jsonl');
    auditFileForHandler = auditLogPath;
    const sightings: Sighting[] = [];
    moduleRef = await Test.createTestingModule({
      imports: [
        EventEmitterModule.forRoot(),
        ConfigReloaderModule.forRoot<Settings>({
          configPath: dir.file,
          auditLogPath,
          debounceMs: 20,
          verifyIntervalMs: 50,
          onReload: () => {
            // The callback is not given the version: the one in force is the one announced.
            const version = service.version;
            sightings.push({
              observer: 'onReload option',
              version,
              recorded: hasReloadRecord(auditLogPath, version),
            });
          },
          ...options,
        }),
      ],
      providers: [AuditCheckingHandler],
    }).compile();
    moduleRef.useLogger(false);
    await moduleRef.init();
    const service = moduleRef.get<ConfigReloaderService<Settings>>(ConfigReloaderService);
    service.onReload((event) => {
      sightings.push({
        observer: 'onReload() listener',
        version: event.version,
        recorded: hasReloadRecord(auditLogPath, event.version),
      });
    });
    return { service, auditLogPath, sightings };
  }

  it('has the record on disk before reloadConfig() or rollback() resolves and before any observer is told', async () => {
    const { service, auditLogPath, sightings } = await bootObserved({ autoReload: false });
    const afterResolve: Sighting[] = [];
    for (let revision = 2; revision <= 4; revision++) {
      await dir.write({ revision });
      await service.reloadConfig();
      afterResolve.push({
        observer: 'reloadConfig() resolved',
        version: service.version,
        recorded: hasReloadRecord(auditLogPath, service.version),
      });
    }
    await service.rollback(1);
    afterResolve.push({
      observer: 'rollback() resolved',
      version: service.version,
      recorded: hasReloadRecord(auditLogPath, service.version),
    });
    expect(service.version).toBe(5);

    await waitFor(() => handlerSightings.length === 4 && sightings.length === 8, {
      description: 'every observer to be told of versions 2 to 5',
    });
    const all = [...afterResolve, ...sightings, ...handlerSightings];
    expect(all.filter((sighting) => !sighting.recorded)).toEqual([]);
    expect(new Set(all.map((sighting) => sighting.version))).toEqual(new Set([2, 3, 4, 5]));
    expect(auditNow(auditLogPath).find((record) => record.version === 5)).toMatchObject({
      event: 'reloaded',
      source: 'rollback',
      rolledBackTo: 3,
    });
  });

  it('has the record on disk before any observer hears of a change the watcher applied', async () => {
    const { service, auditLogPath, sightings } = await bootObserved({ autoReload: true });
    for (let revision = 2; revision <= 4; revision++) {
      await dir.write({ revision });
      await waitFor(() => service.config.revision === revision, {
        timeoutMs: 10_000,
        description: `revision ${revision} applied by the watcher`,
      });
    }
    const version = service.version;
    await waitFor(() => sightings.filter((sighting) => sighting.version === version).length === 2, {
      description: 'the listeners to be told of the last version',
    });
    await waitFor(() => handlerSightings.some((sighting) => sighting.version === version), {
      description: 'the @OnEvent handler to be told of the last version',
    });
    const all = [...sightings, ...handlerSightings];
    expect(all.length).toBeGreaterThanOrEqual(9);
    expect(all.filter((sighting) => !sighting.recorded)).toEqual([]);
    expect(
      auditNow(auditLogPath)
        .filter((record) => record.event === 'reloaded')
        .map((record) => record.source),
    ).toEqual(['watch', 'watch', 'watch']);
  });

  /** Boots with the audit log at dir/audit.jsonl, then turns that path into a directory (EISDIR). */
  async function bootThenBreakAuditLog(options: Partial<ConfigReloaderOptions<Settings>>) {
    dir = await ConfigDir.create({ revision: 1 });
    const auditLogPath = join(dir.dir, 'audit.jsonl');
    const logger = new CapturingLogger();
    harness = await bootReloader<Settings>(
      {
        configPath: dir.file,
        auditLogPath,
        debounceMs: 20,
        verifyIntervalMs: 100,
        ...options,
      },
      { logger },
    );
    expect(auditNow(auditLogPath).map((record) => record.event)).toEqual(['loaded']);
    await rm(auditLogPath);
    await mkdir(auditLogPath);
    return { ...harness, auditLogPath, logger };
  }

  it("with auditFailure 'refuse', does not apply a change it cannot audit, and applies it once the log is writable", async () => {
    const { service, failed, reloaded, auditLogPath } = await bootThenBreakAuditLog({
      auditFailure: 'refuse',
    });

    await dir.write({ revision: 2 });
    await waitFor(() => failed.length > 0, {
      timeoutMs: 10_000,
      description: "'config_reload_failed' for the unauditable change",
    });
    expect(failed[0]).toMatchObject({ source: 'watch', error: { code: 'CONFIG_AUDIT' } });
    expect(failed[0]!.error).toBeInstanceOf(ConfigAuditError);
    expect(failed[0]!.error.message).toContain(auditLogPath);
    expect(service.getHealth()).toMatchObject({ lastErrorCode: 'CONFIG_AUDIT', version: 1 });
    expect(service.config).toEqual({ revision: 1 });

    const manual = await service.reloadConfig().then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(manual).toMatchObject({ code: 'CONFIG_AUDIT' });
    expect(manual).toBeInstanceOf(ConfigAuditError);
    expect(service.version).toBe(1);
    expect(service.config).toEqual({ revision: 1 });
    expect(reloaded).toHaveLength(0);
    expect(failed.every((event) => event.error.code === 'CONFIG_AUDIT')).toBe(true);

    // The disk is fixed: the change, still on disk, is judged again and applies by itself.
    await rm(auditLogPath, { recursive: true });
    await waitFor(() => service.config.revision === 2, {
      timeoutMs: 10_000,
      description: 'the change to apply once the audit log is writable',
    });
    expect(service.version).toBe(2);
    expect(reloaded).toMatchObject([{ version: 2, source: 'watch' }]);
    expect(
      auditNow(auditLogPath).filter((record) => record.event !== 'reload_failed'),
    ).toMatchObject([{ event: 'reloaded', version: 2, source: 'watch' }]);
  });

  it("with auditFailure 'refuse', a rollback it cannot audit leaves the file as it was", async () => {
    dir = await ConfigDir.create({ revision: 1 });
    const auditLogPath = join(dir.dir, 'audit.jsonl');
    harness = await bootReloader<Settings>({
      configPath: dir.file,
      auditLogPath,
      autoReload: false,
      auditFailure: 'refuse',
    });
    const { service } = harness;
    await dir.write({ revision: 2 });
    await service.reloadConfig();
    const appliedText = await readFile(dir.file, 'utf8');
    await rm(auditLogPath);
    await mkdir(auditLogPath);

    const error = await service.rollback(1).then(
      () => undefined,
      (reason: unknown) => reason,
    );
    expect(error).toBeInstanceOf(ConfigAuditError);
    expect(await readFile(dir.file, 'utf8')).toBe(appliedText);
    expect(service.version).toBe(2);
    expect(service.config).toEqual({ revision: 2 });

    // With the log writable again, the same rollback goes through: the file was not left moved.
    await rm(auditLogPath, { recursive: true });
    await expect(service.rollback(1)).resolves.toEqual({ revision: 1 });
    expect(service.version).toBe(3);
  });

  it("with auditFailure 'warn' (the default), applies the change and warns naming the audit file", async () => {
    const { service, failed, logger, auditLogPath } = await bootThenBreakAuditLog({});

    await dir.write({ revision: 2 });
    await waitFor(() => service.config.revision === 2, {
      timeoutMs: 10_000,
      description: 'the change applied despite the unwritable audit log',
    });
    await dir.write({ revision: 3 });
    await expect(service.reloadConfig()).resolves.toEqual({ revision: 3 });
    await waitFor(
      () => logger.lines.some((line) => line.level === 'warn' && line.text.includes(auditLogPath)),
      { description: 'a warning naming the audit file' },
    );
    expect(failed).toHaveLength(0);
    expect(service.getHealth().lastErrorCode).toBeNull();
  });

  describe('a symlink planted at the audit path', () => {
    const ATTACKER_TEXT = 'readable by the attacker\n';

    /** Boots on a real audit log, then replaces it with a link to a file somebody else reads. */
    async function bootThenPlantSymlink(auditFailure: 'warn' | 'refuse') {
      dir = await ConfigDir.create({ revision: 1 });
      const auditLogPath = join(dir.dir, 'audit.jsonl');
      const linkTarget = join(dir.dir, 'attacker-readable.txt');
      await writeFile(linkTarget, ATTACKER_TEXT);
      const logger = new CapturingLogger();
      harness = await bootReloader<Settings>(
        { configPath: dir.file, auditLogPath, auditFailure, autoReload: false },
        { logger },
      );
      await rm(auditLogPath);
      await symlink(linkTarget, auditLogPath);
      return { ...harness, auditLogPath, linkTarget, logger };
    }

    const symlinkWarnings = (logger: CapturingLogger, auditLogPath: string) =>
      logger.lines.filter(
        (line) =>
          line.level === 'warn' &&
          line.text.includes(auditLogPath) &&
          line.text.includes('symbolic link'),
      );

    it("with auditFailure 'warn', writes nothing through it, applies the change and warns", async () => {
      const { service, auditLogPath, linkTarget, logger } = await bootThenPlantSymlink('warn');
      await dir.write({ revision: 2 });
      await expect(service.reloadConfig()).resolves.toEqual({ revision: 2 });
      expect(await readFile(linkTarget, 'utf8')).toBe(ATTACKER_TEXT);
      expect(symlinkWarnings(logger, auditLogPath)).toHaveLength(1);
    });

    it("with auditFailure 'refuse', writes nothing through it and does not apply the change", async () => {
      const { service, auditLogPath, linkTarget } = await bootThenPlantSymlink('refuse');
      await dir.write({ revision: 2 });
      const error = await service.reloadConfig().then(
        () => undefined,
        (reason: unknown) => reason,
      );
      expect(error).toBeInstanceOf(ConfigAuditError);
      expect((error as Error).message).toContain(auditLogPath);
      expect((error as Error).message).toContain('symbolic link');
      expect(service.version).toBe(1);
      expect(service.config).toEqual({ revision: 1 });
      expect(await readFile(linkTarget, 'utf8')).toBe(ATTACKER_TEXT);
    });

    it('does not read or write through a link that is there before the start', async () => {
      dir = await ConfigDir.create({ revision: 1 });
      const auditLogPath = join(dir.dir, 'audit.jsonl');
      const linkTarget = join(dir.dir, 'attacker-readable.txt');
      await writeFile(linkTarget, 'no newline at the end');
      await symlink(linkTarget, auditLogPath);
      const logger = new CapturingLogger();
      harness = await bootReloader<Settings>(
        { configPath: dir.file, auditLogPath, autoReload: false },
        { logger },
      );
      expect(harness.service.config).toEqual({ revision: 1 });
      expect(await readFile(linkTarget, 'utf8')).toBe('no newline at the end');
      expect(symlinkWarnings(logger, auditLogPath)).toHaveLength(1);
    });
  });

  describe(`a full disk (${FULL_DEVICE})`, () => {
    const problem = fullDeviceProblem();

    it("with auditFailure 'refuse', the app does not start: the initial load cannot be audited", async ({
      skip,
    }) => {
      skip(problem !== undefined, `skipped: ${problem}`);
      dir = await ConfigDir.create({ revision: 1 });
      const outcome = await bootReloader<Settings>({
        configPath: dir.file,
        auditLogPath: FULL_DEVICE,
        auditFailure: 'refuse',
        autoReload: false,
      }).then(
        (booted) => {
          harness = booted;
          return undefined;
        },
        (error: unknown) => error,
      );
      expect(outcome).toMatchObject({ code: 'CONFIG_AUDIT' });
      expect(outcome).toBeInstanceOf(ConfigAuditError);
      expect((outcome as Error).message).toContain(FULL_DEVICE);
      expect((outcome as Error).message).toContain('ENOSPC');
    });

    it("with auditFailure 'warn', the app starts and applies edits, warning each time", async ({
      skip,
    }) => {
      skip(problem !== undefined, `skipped: ${problem}`);
      dir = await ConfigDir.create({ revision: 1 });
      const logger = new CapturingLogger();
      harness = await bootReloader<Settings>(
        {
          configPath: dir.file,
          auditLogPath: FULL_DEVICE,
          auditFailure: 'warn',
          debounceMs: 20,
          verifyIntervalMs: 50,
        },
        { logger },
      );
      const { service } = harness;
      const warnings = () =>
        logger.lines.filter((line) => line.level === 'warn' && line.text.includes(FULL_DEVICE));
      await waitFor(() => warnings().length >= 1, {
        description: 'a warning for the initial record',
      });

      await dir.write({ revision: 2 });
      await waitFor(() => service.config.revision === 2, {
        timeoutMs: 10_000,
        description: 'the edit applied on a full disk',
      });
      await dir.write({ revision: 3 });
      await expect(service.reloadConfig()).resolves.toEqual({ revision: 3 });
      await waitFor(() => warnings().length >= 3, {
        description: 'a warning for each applied change',
      });
      expect(warnings().every((line) => line.text.includes('ENOSPC'))).toBe(true);
    });
  });
});
