import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { checkConfigFile } from '../../../lib/cli/check/config-check.js';
import { createValidationRules } from '../../../lib/pipeline/config.pipeline.js';
import { ConfigDir } from '../../support/config-dir.js';

const BASE = { region: 'us', maxPosition: 1, symbols: ['ETH'] };

describe('checkConfigFile with overlays (validate and diff --overlay)', () => {
  let dir: ConfigDir;

  afterEach(async () => {
    await dir?.dispose();
  });

  async function overlay(name: string, content: unknown): Promise<string> {
    const file = join(dir.dir, name);
    await writeFile(file, typeof content === 'string' ? content : JSON.stringify(content));
    return file;
  }

  const rules = () =>
    createValidationRules({
      schema: {
        type: 'object',
        required: ['region', 'maxPosition'],
        properties: { maxPosition: { type: 'integer', minimum: 1 } },
      },
    });

  it('checks the document the overlays make, merged in order', async () => {
    dir = await ConfigDir.create(BASE);
    const btc = await overlay('btc.json', { symbols: ['BTC'], maxPosition: 2 });
    const eu = await overlay('eu.json', { region: 'eu', maxPosition: 3 });
    const result = await checkConfigFile(dir.file, await rules(), undefined, [btc, eu]);
    expect(result).toMatchObject({
      valid: true,
      file: dir.file,
      plain: { region: 'eu', maxPosition: 3, symbols: ['BTC'] },
    });
  });

  it('refuses what an overlay makes invalid, at its JSON path in the merged document', async () => {
    dir = await ConfigDir.create(BASE);
    const zero = await overlay('zero.json', { maxPosition: 0 });
    expect(await checkConfigFile(dir.file, await rules())).toMatchObject({ valid: true });
    expect(await checkConfigFile(dir.file, await rules(), undefined, [zero])).toMatchObject({
      valid: false,
      unreadable: false,
      problems: [{ code: 'CONFIG_VALIDATION', file: dir.file, path: 'maxPosition' }],
    });
  });

  it('names an overlay that is not JSON, with line and column', async () => {
    dir = await ConfigDir.create(BASE);
    const broken = await overlay('broken.json', '{\n  "maxPosition": 3,\n}');
    expect(await checkConfigFile(dir.file, {}, undefined, [broken])).toMatchObject({
      valid: false,
      unreadable: false,
      problems: [{ code: 'CONFIG_PARSE', file: broken, line: 2, column: 19 }],
    });
    const poisoned = await overlay('poisoned.json', '{"__proto__": {"maxPosition": 9}}');
    expect(await checkConfigFile(dir.file, {}, undefined, [poisoned])).toMatchObject({
      valid: false,
      problems: [
        {
          code: 'CONFIG_PARSE',
          file: poisoned,
          message: expect.stringMatching(/prototype poisoning/),
        },
      ],
    });
  });

  it('never quotes a secret value from an overlay it refuses', async () => {
    dir = await ConfigDir.create({ exchange: { apiKey: 'sk-live-BASE-0123' } });
    const leaks = [
      await overlay('syntax.json', '{ "exchange": { "apiKey": "sk-live-LEAK-4242" "x": 1 } }'),
      await overlay('lossy.json', '{ "exchange": { "apiKey": 12345678901234567890123 } }'),
      await overlay('typed.json', { exchange: { apiKey: 987654321012 } }),
    ];
    const typed = await createValidationRules({
      schema: {
        type: 'object',
        properties: { exchange: { type: 'object', properties: { apiKey: { type: 'string' } } } },
      },
    });
    const printed: string[] = [];
    for (const leak of leaks) {
      const result = await checkConfigFile(dir.file, typed, undefined, [leak]);
      expect(result.valid, leak).toBe(false);
      printed.push(JSON.stringify(result));
    }
    for (const secret of ['sk-live-LEAK-4242', '12345678901234567890123', '987654321012']) {
      expect(printed.join('\n')).not.toContain(secret);
    }
  });

  it('names a missing overlay as unreadable, and the base when the base is refused', async () => {
    dir = await ConfigDir.create(BASE);
    const missing = join(dir.dir, 'missing.json');
    expect(await checkConfigFile(dir.file, {}, undefined, [missing])).toMatchObject({
      valid: false,
      unreadable: true,
      problems: [{ code: 'CONFIG_NOT_FOUND', file: missing }],
    });
    await dir.write('{ "a": 1, "a": 2 }');
    const ok = await overlay('ok.json', { b: 1 });
    expect(await checkConfigFile(dir.file, {}, undefined, [ok])).toMatchObject({
      valid: false,
      unreadable: false,
      problems: [{ code: 'CONFIG_PARSE', file: dir.file, line: 1, column: 11 }],
    });
  });

  it('holds each file to the size limit, as the app does, not the merged document', async () => {
    dir = await ConfigDir.create(BASE);
    const limit = JSON.stringify(BASE, null, 2).length + 10;
    const wide = await overlay('wide.json', { symbols: ['BTC', 'ETH', 'SOL', 'XRP', 'ADA'] });
    expect(await checkConfigFile(dir.file, {}, limit, [wide])).toMatchObject({ valid: true });
    const huge = await overlay('huge.json', { note: 'x'.repeat(limit) });
    expect(await checkConfigFile(dir.file, {}, limit, [huge])).toMatchObject({
      valid: false,
      unreadable: false,
      problems: [{ code: 'CONFIG_TOO_LARGE', file: huge }],
    });
  });
});
