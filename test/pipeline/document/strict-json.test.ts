import 'reflect-metadata';
import { Type } from 'class-transformer';
import { IsInt, Min, ValidateNested } from 'class-validator';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigParseError } from '../../../lib/index.js';
import { ConfigDir } from '../../support/config-dir.js';
import { bootReloader, type ReloaderHarness } from '../../support/reloader-app.js';
import { waitFor } from '../../support/wait-for.js';

class StrategyDto {
  @IsInt()
  @Min(1)
  fastPeriod!: number;
}

class BotDto {
  @ValidateNested({ each: true })
  @Type(() => StrategyDto)
  strategies!: StrategyDto[];
}

// What an operator saved: "fastPeriod" twice in the third strategy, the later one 0.
const TWICE = [
  '{',
  '  "strategies": [',
  '    {"fastPeriod": 5},',
  '    {"fastPeriod": 6},',
  '    {',
  '      "fastPeriod": 5,',
  '      "fastPeriod": 0',
  '    }',
  '  ]',
  '}',
].join('\n');

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
}

describe('JSON that JSON.parse would silently change', () => {
  let dir: ConfigDir | undefined;
  let harness: ReloaderHarness<BotDto> | undefined;

  afterEach(async () => {
    await harness?.close();
    harness = undefined;
    await dir?.dispose();
    dir = undefined;
  });

  const good = { strategies: [{ fastPeriod: 5 }, { fastPeriod: 6 }, { fastPeriod: 7 }] };

  it('a duplicate key fails the reload as a parse error at the second key, not as a DTO error about its last value', async () => {
    dir = await ConfigDir.create(good);
    harness = await bootReloader<BotDto>({ configPath: dir.file, dto: BotDto, autoReload: false });
    await dir.write(TWICE);

    const error = await rejection(harness.service.reloadConfig());
    expect(error).toBeInstanceOf(ConfigParseError);
    const refused = error as ConfigParseError;
    expect([refused.line, refused.column]).toEqual([7, 7]);
    expect(refused.path).toBe('strategies.2.fastPeriod');
    expect(refused.message).toContain(dir.file);
    expect(harness.service.version).toBe(1);
    expect(harness.service.config.strategies[2]!.fastPeriod).toBe(7);
  });

  it('a duplicate key found by the watcher is reported with its position, and the config is kept', async () => {
    dir = await ConfigDir.create(good);
    harness = await bootReloader<BotDto>({
      configPath: dir.file,
      dto: BotDto,
      debounceMs: 20,
      verifyIntervalMs: 50,
    });
    await dir.write(TWICE);
    await waitFor(() => harness!.failed.length > 0, { description: 'the failed reload' });
    const refused = harness.failed[0]!.error as ConfigParseError;
    expect(refused).toBeInstanceOf(ConfigParseError);
    expect(refused.path).toBe('strategies.2.fastPeriod');
    expect(harness.service.version).toBe(1);
  });

  it('a duplicate key fails the initial load', async () => {
    dir = await ConfigDir.create(TWICE);
    const error = await rejection(bootReloader({ configPath: dir.file, dto: BotDto }));
    expect(error).toBeInstanceOf(ConfigParseError);
    expect((error as ConfigParseError).path).toBe('strategies.2.fastPeriod');
  });
});

describe('a number too large to represent', () => {
  let dir: ConfigDir | undefined;
  let harness: ReloaderHarness<Record<string, unknown>> | undefined;

  afterEach(async () => {
    await harness?.close();
    harness = undefined;
    await dir?.dispose();
    dir = undefined;
  });

  it('is refused at parse time even when no schema or DTO bounds it, and the config is kept', async () => {
    dir = await ConfigDir.create({ maxPositionSize: 1000 });
    harness = await bootReloader({ configPath: dir.file, autoReload: false });
    await dir.write('{\n  "maxPositionSize": 1e400\n}');

    const error = await rejection(harness.service.reloadConfig());
    expect(error).toBeInstanceOf(ConfigParseError);
    const refused = error as ConfigParseError;
    expect([refused.line, refused.column]).toEqual([2, 22]);
    expect(refused.path).toBe('maxPositionSize');
    expect(harness.service.config).toEqual({ maxPositionSize: 1000 });
    expect(harness.service.version).toBe(1);
  });
});
