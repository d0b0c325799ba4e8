import 'reflect-metadata';
import { createHash } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { ConfigNotFoundError, ConfigParseError } from '../../../lib/index.js';
import { API_KEY, BASE, BTC, BotDto, json, overlayAppPerTest } from '../../support/overlay-app.js';
import { bootReloader } from '../../support/reloader-app.js';
import { waitFor } from '../../support/wait-for.js';

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

describe('overlayPaths: merge-patch files over the config file', () => {
  const app = overlayAppPerTest();

  it('applies the overlays at start, in order, and says so in health and history', async () => {
    const { service } = await app.start({
      'btc.json': BTC,
      'overlays/eu.json': { region: 'eu', maxPosition: 3 },
    });
    // Named as the app gave them: relative to the working directory.
    const given = ['btc.json', 'overlays/eu.json'].map(app.given);
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
    const [loaded] = await app.audit();
    expect(loaded).toMatchObject({ event: 'loaded', variant: { overlays: given } });
  });

  for (const usePolling of [false, true]) {
    it(`reloads when an overlay is edited, naming the overlaid path in the changes (${usePolling ? 'polling' : 'native'})`, async () => {
      const { service, reloaded } = await app.start({ 'overlays/btc.json': BTC }, BASE, {
        usePolling,
      });
      expect(service.getHealth().watchMode).toBe(usePolling ? 'polling' : 'native');
      await app.write('overlays/btc.json', { ...BTC, maxPosition: 5 });
      await waitFor(() => service.version === 2, { description: 'the reload of the overlay' });
      expect(reloaded.at(-1)).toMatchObject({ source: 'watch', changes: ['maxPosition'] });
      expect(service.config.maxPosition).toBe(5);
      expect(service.getHistory().at(-1)?.baseText).toBe(json(BASE));
    });
  }

  it('refuses an overlay that is not JSON, naming it with line and column, and keeps the config', async () => {
    const { service } = await app.start({ 'btc.json': BTC });
    await app.write('btc.json', '{\n  "maxPosition": 3,\n}');
    const { error } = await app.failure('CONFIG_PARSE');
    expect(error).toBeInstanceOf(ConfigParseError);
    expect(error).toMatchObject({ configPath: app.file('btc.json'), line: 2, column: 19 });
    expect(error.message).toContain(`${app.file('btc.json')} at line 2, column 19`);
    app.expectKept(1, { maxPosition: 2 });
    expect(service.getHealth()).toMatchObject({
      status: 'degraded',
      lastErrorCode: 'CONFIG_PARSE',
    });
  });

  it('refuses a "__proto__" overlay as prototype poisoning, and keeps the config', async () => {
    await app.start({ 'btc.json': BTC });
    await app.write('btc.json', '{ "__proto__": { "maxPosition": 99 } }');
    const { error } = await app.failure('CONFIG_PARSE');
    expect(error.configPath).toBe(app.file('btc.json'));
    expect(error.message).toMatch(/forbidden "__proto__" key \(prototype poisoning\)/);
    app.expectKept(1, { maxPosition: 2 });
    expect(({} as { maxPosition?: unknown }).maxPosition).toBeUndefined();
  });

  it('refuses an overlay that makes the config invalid, and keeps the config', async () => {
    await app.start({ 'btc.json': BTC });
    await app.write('btc.json', { maxPosition: 0 });
    const { error } = await app.failure('CONFIG_VALIDATION');
    expect(error.message).toMatch(/maxPosition/);
    app.expectKept(1, { maxPosition: 2 });
    const records = await waitFor(async () => {
      const all = await app.audit();
      return all.some((record) => record.event === 'reload_failed') ? all : undefined;
    });
    // A document that was made (and refused) names its layers in the audit record too.
    expect(records.at(-1)).toMatchObject({
      event: 'reload_failed',
      variant: { overlays: [app.given('btc.json')] },
      error: { code: 'CONFIG_VALIDATION' },
    });
  });

  it('reports a deleted overlay as not found, naming it, and recovers when it is back', async () => {
    const { service } = await app.start({ 'overlays/btc.json': BTC });
    await rm(app.file('overlays/btc.json'));
    const { error } = await app.failure('CONFIG_NOT_FOUND');
    expect(error).toBeInstanceOf(ConfigNotFoundError);
    expect(error.configPath).toBe(app.file('overlays/btc.json'));
    expect(error.message).toContain(`Config overlay not found: ${app.file('overlays/btc.json')}`);
    expect(error.message).toContain('is relative to the working directory');
    expect(error.message).toContain('"overlayPaths"');
    app.expectKept(1, { maxPosition: 2 });
    expect(service.getHealth().status).toBe('down');

    await app.write('overlays/btc.json', { ...BTC, maxPosition: 4 });
    await waitFor(() => service.version === 2, { description: 'the recreated overlay applied' });
    expect(service.config.maxPosition).toBe(4);
    expect(service.getHealth()).toMatchObject({ status: 'up', consecutiveErrors: 0 });
  });

  it('fails the start when an overlay is missing, naming it', async () => {
    await expect(app.start({})).resolves.toBeDefined(); // no overlays: the config alone
    await app.stop();
    const missing = app.given('missing.json');
    const attempt = bootReloader({
      configPath: app.dir.file,
      overlayPaths: [missing],
      dto: BotDto,
    });
    await expect(attempt).rejects.toBeInstanceOf(ConfigNotFoundError);
    await expect(attempt).rejects.toThrow(
      `Config overlay not found: ${app.file('missing.json')} ("${missing}" is relative to the working directory ${process.cwd()})`,
    );
  });

  it('never shows a secret value from an overlay in an error, a health report or the log', async () => {
    const { service } = await app.start({ 'btc.json': BTC });
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
      await app.write('btc.json', leak);
      await waitFor(() => app.harness.failed.length === index + 1, {
        timeoutMs: 10_000,
        description: `failure ${index + 1}`,
      });
    }
    const shown = [
      ...app.harness.failed.map((event) => event.error.message),
      service.getHealth().lastError,
      app.logger.text,
      JSON.stringify(await app.audit()),
    ].join('\n');
    expect(app.harness.failed.map((event) => event.error.code)).toEqual([
      'CONFIG_VALIDATION',
      'CONFIG_PARSE',
      'CONFIG_PARSE',
    ]);
    for (const secret of [...secrets, API_KEY]) expect(shown).not.toContain(secret);
  });
});
