import 'reflect-metadata';
import { IsInt, Min } from 'class-validator';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { MemorySource } from './support/memory.source.js';
import { CapturingLogger } from './support/capturing-logger.js';
import { ConfigDir } from './support/config-dir.js';
import { bootReloader, type ReloaderHarness } from './support/reloader-app.js';

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
});
