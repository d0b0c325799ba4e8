import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ConfigDir } from '../../support/config-dir.js';
import { buildCli, startCli } from '../../support/config-reloader-cli.js';

const configReloader = (...args: string[]) => startCli(args).result;

describe('config-reloader validate and diff --overlay', () => {
  let dir: ConfigDir;

  beforeAll(() => buildCli(), 120_000);

  afterEach(async () => {
    await dir?.dispose();
  });

  async function overlay(name: string, content: unknown): Promise<string> {
    const file = join(dir.dir, name);
    await writeFile(file, typeof content === 'string' ? content : JSON.stringify(content));
    return file;
  }

  it('validates the merged document, naming an overlay that is not JSON or is missing', async () => {
    dir = await ConfigDir.create({ risk: { maxPosition: 1 }, symbols: ['ETH'] });
    const schema = await overlay('schema.json', {
      type: 'object',
      properties: { risk: { type: 'object', properties: { maxPosition: { maximum: 5 } } } },
    });
    const btc = await overlay('btc.json', { symbols: ['BTC'], risk: { maxPosition: 2 } });
    const wide = await overlay('wide.json', { risk: { maxPosition: 50 } });

    const valid = await configReloader('validate', dir.file, '--schema', schema, '--overlay', btc);
    expect(valid).toMatchObject({ code: 0, stderr: '' });
    expect(valid.stdout).toContain(`valid   ${dir.file} + ${btc}`);

    // Later overlays win: the second one makes the document invalid.
    const args = ['validate', dir.file, '--schema', schema, '--overlay', btc, '--overlay', wide];
    const invalid = await configReloader(...args);
    expect(invalid.code).toBe(1);
    expect(invalid.stderr).toContain(`invalid ${dir.file} + ${btc} + ${wide}`);
    expect(invalid.stderr).toContain('risk.maxPosition');
    const json = JSON.parse((await configReloader(...args, '--json')).stdout) as object;
    expect(json).toMatchObject({ valid: false, overlays: [btc, wide] });

    const broken = await overlay('broken.json', '{\n  "risk": { "maxPosition": 3 },\n}');
    const parse = await configReloader('validate', dir.file, '--overlay', broken);
    expect(parse.code).toBe(1);
    expect(parse.stderr).toContain(`${broken}:2:31: invalid JSON: a trailing comma`);

    const missing = join(dir.dir, 'missing.json');
    const absent = await configReloader('validate', dir.file, '--overlay', missing);
    expect(absent.code).toBe(3);
    expect(absent.stderr).toContain(missing);
  });

  it('diffs two files with the same overlays over both', async () => {
    dir = await ConfigDir.create({ risk: { maxPosition: 1 }, region: 'us' });
    const next = await overlay('next.json', { risk: { maxPosition: 2 }, region: 'us' });
    const eu = await overlay('eu.json', { region: 'eu', risk: { maxPosition: 9 } });
    const pinned = await configReloader('diff', dir.file, next, '--overlay', eu);
    // The overlay sets both values in either file: nothing the app runs would change.
    expect(pinned).toMatchObject({ code: 0 });
    const partial = await overlay('partial.json', { region: 'eu' });
    const changed = await configReloader('diff', dir.file, next, '--overlay', partial, '--json');
    expect(changed.code).toBe(1);
    expect(JSON.parse(changed.stdout)).toEqual({
      changes: [{ path: 'risk.maxPosition', oldValue: 1, newValue: 2 }],
    });
  });
});
