import 'reflect-metadata';
import { createHash } from 'node:crypto';
import { mkdir, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { Type } from 'class-transformer';
import { IsArray, IsInt, IsString, Min, ValidateNested } from 'class-validator';
import { afterEach, describe, expect, it } from 'vitest';
import {
  ConfigNotFoundError,
  ConfigParseError,
  type AuditRecord,
  type ConfigReloadFailedEvent,
} from '../../../lib/index.js';
import { CapturingLogger } from '../../support/capturing-logger.js';
import { ConfigDir } from '../../support/config-dir.js';
import { bootReloader, type ReloaderHarness } from '../../support/reloader-app.js';
import { waitFor } from '../../support/wait-for.js';

class ExchangeDto {
  @IsString()
  name!: string;

  @IsString()
  apiKey!: string;
}

class BotDto {
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

const API_KEY = 'sk-live-BASE-0123456789';
const BASE = {
  region: 'us',
  maxPosition: 1,
  symbols: ['ETH'],
  exchange: { name: 'binance', apiKey: API_KEY },
};
const BTC = { symbols: ['BTC'], maxPosition: 2 };

const json = (value: unknown) => JSON.stringify(value, null, 2);
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

describe('overlayPaths: merge-patch files over the config file', () => {
  let dir: ConfigDir;
  let harness: ReloaderHarness<BotDto> | undefined;
  let logger: CapturingLogger;

  afterEach(async () => {
    await harness?.close();
    harness = undefined;
    await dir?.dispose();
  });

  /** Where an overlay lives: one beside the config, one in a directory of its own. */
  const overlayFile = (name: string) => join(dir.dir, name);
  const writeOverlay = (name: string, content: unknown) =>
    writeFile(overlayFile(name), typeof content === 'string' ? content : json(content));

  async function start(overlays: Record<string, unknown>, base: unknown = BASE) {
    dir = await ConfigDir.create(base, 'bot.json');
    await mkdir(join(dir.dir, 'overlays'));
    for (const [name, content] of Object.entries(overlays)) await writeOverlay(name, content);
    // Written a minute ago: a file read just after its write is read again on the next check
    // (its timestamp cannot be trusted yet), which would hide a change that nothing watched.
    const aMinuteAgo = new Date(Date.now() - 60_000);
    for (const file of [dir.file, ...Object.keys(overlays).map(overlayFile)]) {
      await utimes(file, aMinuteAgo, aMinuteAgo);
    }
    logger = new CapturingLogger();
    harness = await bootReloader<BotDto>(
      {
        configPath: dir.file,
        // Given relative to the working directory, as an app's config usually names them.
        overlayPaths: Object.keys(overlays).map((name) =>
          relative(process.cwd(), overlayFile(name)),
        ),
        dto: BotDto,
        debounceMs: 20,
        verifyIntervalMs: 50,
        auditLogPath: join(dir.dir, 'audit.jsonl'),
      },
      { logger },
    );
    return harness;
  }

  const failure = (code: string) =>
    waitFor(() => harness!.failed.find((event) => event.error.code === code), {
      timeoutMs: 10_000,
      description: `a ${code} failure`,
    });

  async function expectKept(version: number, config: object) {
    expect(harness!.service.version).toBe(version);
    expect({ ...harness!.service.config }).toMatchObject(config);
  }

  it('applies the overlays at start, in order, and says so in health and history', async () => {
    const { service } = await start({
      'btc.json': BTC,
      'overlays/eu.json': { region: 'eu', maxPosition: 3 },
    });
    const given = ['btc.json', 'overlays/eu.json'].map((name) =>
      relative(process.cwd(), overlayFile(name)),
    );
    expect({ ...service.config, exchange: { ...service.config.exchange } }).toEqual({
      ...BASE,
      region: 'eu',
      maxPosition: 3, // the later overlay wins
      symbols: ['BTC'],
    });
    expect(service.getHealth()).toMatchObject({ status: 'up', variant: { overlays: given } });
    const [entry] = service.getHistory();
    expect(entry).toMatchObject({ variant: { overlays: given }, baseText: json(BASE) });
    expect(JSON.parse(entry!.rawText)).toEqual({
      ...BASE,
      region: 'eu',
      maxPosition: 3,
      symbols: ['BTC'],
    });
    // The revision is the hash of the effective document, as the file's hash is without layers.
    expect(entry!.hash).toBe(sha256(entry!.rawText));
    expect(entry!.revision).toBe(entry!.hash);
    const [loaded] = await readAudit();
    expect(loaded).toMatchObject({ event: 'loaded', variant: { overlays: given } });
  });

  it('reloads when an overlay is edited, naming the overlaid path in the changes', async () => {
    const { service, reloaded } = await start({ 'overlays/btc.json': BTC });
    await writeOverlay('overlays/btc.json', { ...BTC, maxPosition: 5 });
    await waitFor(() => service.version === 2, { description: 'the reload of the overlay' });
    expect(reloaded.at(-1)).toMatchObject({ source: 'watch', changes: ['maxPosition'] });
    expect(service.config.maxPosition).toBe(5);
    expect(service.getHistory().at(-1)?.baseText).toBe(json(BASE));
  });

  it('refuses an overlay that is not JSON, naming it with line and column, and keeps the config', async () => {
    const { service } = await start({ 'btc.json': BTC });
    await writeOverlay('btc.json', '{\n  "maxPosition": 3,\n}');
    const { error } = await failure('CONFIG_PARSE');
    expect(error).toBeInstanceOf(ConfigParseError);
    expect(error).toMatchObject({ configPath: overlayFile('btc.json'), line: 2, column: 19 });
    expect(error.message).toContain(`${overlayFile('btc.json')} at line 2, column 19`);
    await expectKept(1, { maxPosition: 2 });
    expect(service.getHealth()).toMatchObject({
      status: 'degraded',
      lastErrorCode: 'CONFIG_PARSE',
    });
  });

  it('refuses a "__proto__" overlay as prototype poisoning, and keeps the config', async () => {
    await start({ 'btc.json': BTC });
    await writeOverlay('btc.json', '{ "__proto__": { "maxPosition": 99 } }');
    const { error } = await failure('CONFIG_PARSE');
    expect(error.configPath).toBe(overlayFile('btc.json'));
    expect(error.message).toMatch(/forbidden "__proto__" key \(prototype poisoning\)/);
    await expectKept(1, { maxPosition: 2 });
    expect(({} as { maxPosition?: unknown }).maxPosition).toBeUndefined();
  });

  it('refuses an overlay that makes the config invalid, and keeps the config', async () => {
    await start({ 'btc.json': BTC });
    await writeOverlay('btc.json', { maxPosition: 0 });
    const { error } = await failure('CONFIG_VALIDATION');
    expect(error.message).toMatch(/maxPosition/);
    await expectKept(1, { maxPosition: 2 });
    const records = await waitFor(async () => {
      const all = await readAudit();
      return all.some((record) => record.event === 'reload_failed') ? all : undefined;
    });
    // A document that was made (and refused) names its layers in the audit record too.
    expect(records.at(-1)).toMatchObject({
      event: 'reload_failed',
      variant: { overlays: [relative(process.cwd(), overlayFile('btc.json'))] },
      error: { code: 'CONFIG_VALIDATION' },
    });
  });

  it('reports a deleted overlay as not found, naming it, and recovers when it is back', async () => {
    const { service } = await start({ 'overlays/btc.json': BTC });
    await rm(overlayFile('overlays/btc.json'));
    const { error } = await failure('CONFIG_NOT_FOUND');
    expect(error).toBeInstanceOf(ConfigNotFoundError);
    expect(error.configPath).toBe(overlayFile('overlays/btc.json'));
    expect(error.message).toContain(
      `Config overlay not found: ${overlayFile('overlays/btc.json')}`,
    );
    expect(error.message).toContain('is relative to the working directory');
    expect(error.message).toContain('"overlayPaths"');
    await expectKept(1, { maxPosition: 2 });
    expect(service.getHealth().status).toBe('down');

    await writeOverlay('overlays/btc.json', { ...BTC, maxPosition: 4 });
    await waitFor(() => service.version === 2, { description: 'the recreated overlay applied' });
    expect(service.config.maxPosition).toBe(4);
    expect(service.getHealth()).toMatchObject({ status: 'up', consecutiveErrors: 0 });
  });

  it('fails the start when an overlay is missing, naming it', async () => {
    await expect(start({})).resolves.toBeDefined(); // no overlays: the config alone
    await harness!.close();
    harness = undefined;
    const missing = relative(process.cwd(), overlayFile('missing.json'));
    const attempt = bootReloader({ configPath: dir.file, overlayPaths: [missing], dto: BotDto });
    await expect(attempt).rejects.toBeInstanceOf(ConfigNotFoundError);
    await expect(attempt).rejects.toThrow(
      `Config overlay not found: ${overlayFile('missing.json')} ("${missing}" is relative to the working directory ${process.cwd()})`,
    );
  });

  it('rolls back by writing the old base only; the overlays stay and are merged over it again', async () => {
    const { service } = await start({ 'btc.json': BTC });
    const baseBefore = await readFile(dir.file, 'utf8');
    const [first] = service.getHistory();
    await dir.write({ ...BASE, region: 'ap' });
    await waitFor(() => service.version === 2, { description: 'the base edit applied' });

    await expect(service.rollback(1)).resolves.toMatchObject({ region: 'us', maxPosition: 2 });
    // Byte for byte the old base, not the merged document.
    expect(await readFile(dir.file, 'utf8')).toBe(baseBefore);
    expect(await readFile(overlayFile('btc.json'), 'utf8')).toBe(json(BTC));
    expect(service.getHistory().at(-1)).toMatchObject({
      version: 3,
      source: 'rollback',
      hash: first!.hash,
      rawText: first!.rawText,
      baseText: baseBefore,
      variant: first!.variant,
    });
  });

  it('rolls back onto overlays edited since: applies what they make of the old base, or nothing when that is invalid', async () => {
    const withoutRegion = { ...BASE, region: undefined }; // left out of the JSON
    const { service } = await start({ 'btc.json': { ...BTC, region: 'eu' } }, withoutRegion);
    await dir.write({ ...BASE, region: 'us' }); // v2: the base now has a region of its own
    await waitFor(() => service.version === 2, { description: 'the base edit applied' });
    await writeOverlay('btc.json', BTC); // v3: the overlay no longer sets one
    await waitFor(() => service.version === 3, { description: 'the overlay edit applied' });
    const newBase = await readFile(dir.file, 'utf8');

    // Back to v1's base: with today's overlay it has no region, so it is invalid.
    const refused = await service.rollback(2).catch((error: unknown) => error);
    expect(refused).toMatchObject({ code: 'CONFIG_VALIDATION' });
    expect((refused as Error).message).toMatch(/region/);
    // Nothing changed: the base file is put back as it was, the config stays.
    expect(await readFile(dir.file, 'utf8')).toBe(newBase);
    await expectKept(3, { region: 'us', maxPosition: 2 });
    expect(service.getHistory().map((entry) => entry.source)).toEqual([
      'initial',
      'watch',
      'watch',
    ]);

    // Back to v2's base, the one in force: today's overlay over it is v3's document again.
    await expect(service.rollback(1)).resolves.toMatchObject({ region: 'us', maxPosition: 2 });
    expect(service.getHistory().at(-1)).toMatchObject({
      version: 4,
      source: 'rollback',
      hash: service.getHistory().at(-2)!.hash,
    });
    expect(await readFile(dir.file, 'utf8')).toBe(newBase);
  });

  it('never shows a secret value from an overlay in an error, a health report or the log', async () => {
    const { service } = await start({ 'btc.json': BTC });
    const leaks = [
      // A number where the DTO wants a string, under a secret key.
      { exchange: { apiKey: 98765432101234 } },
      // JSON that breaks right after a secret string.
      '{ "exchange": { "apiKey": "sk-live-OVERLAY-4242424242" "name": "x" } }',
      // A number too long to be exact, under a secret key.
      '{ "exchange": { "apiKey": 12345678901234567890123 } }',
    ];
    const secrets = ['98765432101234', 'sk-live-OVERLAY-4242424242', '12345678901234567890123'];
    for (const [index, leak] of leaks.entries()) {
      await writeOverlay('btc.json', leak);
      await waitFor(() => harness!.failed.length === index + 1, {
        timeoutMs: 10_000,
        description: `failure ${index + 1}`,
      });
    }
    const shown = [
      ...harness!.failed.map((event: ConfigReloadFailedEvent) => event.error.message),
      service.getHealth().lastError,
      logger.text,
      JSON.stringify(await readAudit()),
    ].join('\n');
    expect(harness!.failed.map((event) => event.error.code)).toEqual([
      'CONFIG_VALIDATION',
      'CONFIG_PARSE',
      'CONFIG_PARSE',
    ]);
    for (const secret of [...secrets, API_KEY]) expect(shown).not.toContain(secret);
  });

  async function readAudit(): Promise<AuditRecord[]> {
    const text = await readFile(join(dir.dir, 'audit.jsonl'), 'utf8').catch(() => '');
    return text
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as AuditRecord);
  }
});
