import 'reflect-metadata';
import { IsInt, Min } from 'class-validator';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { MemorySource } from '../support/memory.source.js';
import { CapturingLogger } from '../support/capturing-logger.js';
import { ConfigDir } from '../support/config-dir.js';
import { bootReloader, type ReloaderHarness } from '../support/reloader-app.js';
import { waitFor } from '../support/wait-for.js';

class PeriodDto {
  @IsInt()
  @Min(1)
  fastPeriod!: number;
}

const SCHEMA = { type: 'object', properties: { fastPeriod: { type: 'integer' } } };

describe('what the reloader logs', () => {
  let dir: ConfigDir | undefined;
  let harness: ReloaderHarness<Record<string, any>> | undefined;
  let logger: CapturingLogger;

  afterEach(async () => {
    await harness?.close();
    harness = undefined;
    await dir?.dispose();
    dir = undefined;
  });

  // What was logged at level 'log', without the logger context Nest appends.
  const logLines = (pattern: RegExp) =>
    logger.lines
      .filter((line) => line.level === 'log' && pattern.test(line.text))
      .map((line) => ({ ...line, text: line.text.replace(/ ConfigReloader$/, '') }));

  describe('on the initial load: one line with the name, v1, where from and the validation', () => {
    it('with neither schema nor DTO', async () => {
      dir = await ConfigDir.create({ fastPeriod: 5 });
      logger = new CapturingLogger();
      harness = await bootReloader<Record<string, any>>(
        { configPath: dir.file, autoReload: false },
        { logger },
      );
      expect(logLines(/loaded/).map((line) => line.text)).toEqual([
        `[default] config v1 loaded from ${dir.file}, not validated: no schema or DTO given`,
      ]);
    });

    it('with a schema file and a DTO', async () => {
      dir = await ConfigDir.create({ fastPeriod: 5 });
      const schemaPath = join(dir.dir, 'periods.schema.json');
      await writeFile(schemaPath, JSON.stringify(SCHEMA));
      logger = new CapturingLogger();
      harness = await bootReloader<Record<string, any>>(
        { name: 'periods', configPath: dir.file, schemaPath, dto: PeriodDto, autoReload: false },
        { logger },
      );
      expect(logLines(/loaded/).map((line) => line.text)).toEqual([
        `[periods] config v1 loaded from ${dir.file}, validated by JSON Schema ${schemaPath} and DTO PeriodDto`,
      ]);
    });

    it('with an inline schema only, or a DTO only', async () => {
      dir = await ConfigDir.create({ fastPeriod: 5 });
      logger = new CapturingLogger();
      harness = await bootReloader<Record<string, any>>(
        { configPath: dir.file, schema: SCHEMA, autoReload: false },
        { logger },
      );
      expect(logLines(/loaded/)[0]!.text).toMatch(/, validated by an inline JSON Schema$/);
      await harness.close();

      logger = new CapturingLogger();
      harness = await bootReloader<Record<string, any>>(
        { configPath: dir.file, dto: PeriodDto, autoReload: false },
        { logger },
      );
      expect(logLines(/loaded/)[0]!.text).toMatch(/, validated by DTO PeriodDto$/);
    });

    it('names a custom source by its id', async () => {
      logger = new CapturingLogger();
      const source = new MemorySource('bot', JSON.stringify({ fastPeriod: 5 }));
      harness = await bootReloader<Record<string, any>>(
        { configSource: source, autoReload: false },
        { logger },
      );
      expect(logLines(/loaded/)[0]!.text).toContain('loaded from memory:bot,');
    });

    it('is not repeated by a reload', async () => {
      dir = await ConfigDir.create({ fastPeriod: 5 });
      logger = new CapturingLogger();
      harness = await bootReloader<Record<string, any>>(
        { configPath: dir.file, autoReload: false },
        { logger },
      );
      await dir.write({ fastPeriod: 6 });
      await harness.service.reloadConfig();
      expect(logLines(/loaded/)).toHaveLength(1);
      expect(logLines(/config v2 applied/)).toHaveLength(1);
    });
  });

  describe('when a failing config recovers', () => {
    async function bootWatching() {
      dir = await ConfigDir.create({ fastPeriod: 5 });
      logger = new CapturingLogger();
      harness = await bootReloader<Record<string, any>>(
        { configPath: dir.file, dto: PeriodDto, debounceMs: 20, verifyIntervalMs: 50 },
        { logger },
      );
      return harness;
    }

    async function failTwice(): Promise<void> {
      await dir!.write({ fastPeriod: 0 });
      await waitFor(() => harness!.failed.length === 1, { description: 'the first failure' });
      await dir!.write('{"fastPeriod": ');
      await waitFor(() => harness!.failed.length === 2, { description: 'the second failure' });
    }

    it('logs one line with the number of failures when the next config applies', async () => {
      const { service } = await bootWatching();
      await failTwice();
      expect(logLines(/good again/)).toHaveLength(0);

      await dir!.write({ fastPeriod: 7 });
      await waitFor(() => service.version === 2, { description: 'the good config' });
      expect(logLines(/good again/).map((line) => line.text)).toEqual([
        `[default] ${dir!.file} is good again after 2 failed reload(s): config v2 applied`,
      ]);

      // Once: a later good change is just applied.
      await dir!.write({ fastPeriod: 8 });
      await waitFor(() => service.version === 3, { description: 'the next config' });
      expect(logLines(/good again/)).toHaveLength(1);
    });

    it('logs it too when the file goes back to the content in force', async () => {
      const { service } = await bootWatching();
      await dir!.write({ fastPeriod: 0 });
      await waitFor(() => harness!.failed.length === 1, { description: 'the failure' });

      await dir!.write({ fastPeriod: 5 }); // what was there before
      await waitFor(() => logLines(/good again/).length > 0, { description: 'the recovery line' });
      expect(logLines(/good again/).map((line) => line.text)).toEqual([
        `[default] ${dir!.file} is good again after 1 failed reload(s): back to the content of v1, which stayed in force`,
      ]);
      expect(service.version).toBe(1);
      expect(service.getHealth().consecutiveErrors).toBe(0);
    });

    it('logs it when a good change is staged behind a hold, and not again when it applies', async () => {
      const { service } = await bootWatching();
      await dir!.write({ fastPeriod: 0 });
      await waitFor(() => harness!.failed.length === 1, { description: 'the failure' });
      const release = service.hold('order open');
      await dir!.write({ fastPeriod: 7 });
      await waitFor(() => service.getHealth().pending, { description: 'the staged change' });
      expect(logLines(/good again/).map((line) => line.text)).toEqual([
        `[default] ${dir!.file} is good again after 1 failed reload(s): a valid change is staged until the holds end`,
      ]);
      release();
      await waitFor(() => service.version === 2, { description: 'the staged change applied' });
      expect(logLines(/good again/)).toHaveLength(1);
    });

    it('logs nothing of the kind when nothing had failed', async () => {
      const { service } = await bootWatching();
      await dir!.write({ fastPeriod: 7 });
      await waitFor(() => service.version === 2, { description: 'the change' });
      expect(logLines(/good again/)).toHaveLength(0);
    });
  });
});
