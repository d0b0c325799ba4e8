import { mkdir, readFile, utimes, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { Type } from 'class-transformer';
import { IsArray, IsInt, IsString, Min, ValidateNested } from 'class-validator';
import { afterEach, expect } from 'vitest';
import type { AuditRecord, ConfigReloadFailedEvent } from '../../lib/index.js';
import { CapturingLogger } from './capturing-logger.js';
import { ConfigDir } from './config-dir.js';
import { bootReloader, type ReloaderHarness } from './reloader-app.js';
import { waitFor } from './wait-for.js';

class ExchangeDto {
  @IsString()
  name!: string;

  @IsString()
  apiKey!: string;
}

/** A trading bot's config: what the base says, and what an overlay may change. */
export class BotDto {
  @IsString()
  region!: string;

  @IsInt()
  @Min(1)
  maxPosition!: number;

  @IsArray()
  @IsString({ each: true })
  symbols!: string[];

  @ValidateNested()
  @Type(() => ExchangeDto)
  exchange!: ExchangeDto;
}

export const API_KEY = 'sk-live-BASE-0123456789';
export const BASE = {
  region: 'us',
  maxPosition: 1,
  symbols: ['ETH'],
  exchange: { name: 'binance', apiKey: API_KEY },
};
export const BTC = { symbols: ['BTC'], maxPosition: 2 };

/** JSON as the test files are written: two-space indented. */
export const json = (value: unknown) => JSON.stringify(value, null, 2);

/**
 * One reloader per test on a config file with overlays in a temp dir (`overlays/` holds the
 * ones in a directory of their own), both closed after the test.
 */
export function overlayAppPerTest() {
  let dir: ConfigDir | undefined;
  let harness: ReloaderHarness<BotDto> | undefined;
  let logger = new CapturingLogger();
  afterEach(async () => {
    await harness?.close();
    await dir?.dispose();
    harness = dir = undefined;
  });
  const app = {
    get dir(): ConfigDir {
      if (!dir) throw new Error('start() first');
      return dir;
    },
    get harness(): ReloaderHarness<BotDto> {
      if (!harness) throw new Error('start() first');
      return harness;
    },
    get logger(): CapturingLogger {
      return logger;
    },
    /** The absolute path of an overlay. */
    file: (name: string) => join(app.dir.dir, name),
    /** An overlay's path as the app gives it: relative to the working directory. */
    given: (name: string) => relative(process.cwd(), app.file(name)),
    write: (name: string, content: unknown) =>
      writeFile(app.file(name), typeof content === 'string' ? content : json(content)),

    async start(
      overlays: Record<string, unknown>,
      base: unknown = BASE,
      options: { usePolling?: boolean } = {},
    ) {
      dir = await ConfigDir.create(base, 'bot.json');
      await mkdir(join(dir.dir, 'overlays'));
      for (const [name, content] of Object.entries(overlays)) await app.write(name, content);
      // Written a minute ago: a file read just after its write is read again on the next check
      // (its timestamp cannot be trusted yet), which would hide a change that nothing watched.
      const aMinuteAgo = new Date(Date.now() - 60_000);
      for (const file of [dir.file, ...Object.keys(overlays).map(app.file)]) {
        await utimes(file, aMinuteAgo, aMinuteAgo);
      }
      logger = new CapturingLogger();
      harness = await bootReloader<BotDto>(
        {
          configPath: dir.file,
          overlayPaths: Object.keys(overlays).map(app.given),
          dto: BotDto,
          debounceMs: 20,
          verifyIntervalMs: 50,
          auditLogPath: join(dir.dir, 'audit.jsonl'),
          ...options,
        },
        { logger },
      );
      return harness;
    },

    /** Stops the reloader started, keeping its files. */
    async stop() {
      await harness?.close();
      harness = undefined;
    },

    /** The first reported failure with this code. */
    failure: (code: string): Promise<ConfigReloadFailedEvent> =>
      waitFor(() => app.harness.failed.find((event) => event.error.code === code), {
        timeoutMs: 10_000,
        description: `a ${code} failure`,
      }),

    /** The config in force is still `version`, with these values. */
    expectKept(version: number, config: object) {
      expect(app.harness.service.version).toBe(version);
      expect({ ...app.harness.service.config }).toMatchObject(config);
    },

    async audit(): Promise<AuditRecord[]> {
      const text = await readFile(join(app.dir.dir, 'audit.jsonl'), 'utf8').catch(() => '');
      return text
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as AuditRecord);
    },
  };
  return app;
}
