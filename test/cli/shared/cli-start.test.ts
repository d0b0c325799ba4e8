import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildCli, root, startCli } from '../../support/config-reloader-cli.js';

const probe = join(root, 'test', 'fixtures', 'loaded-packages.cjs');
const VALIDATION = ['class-validator', 'class-transformer', '@nestjs/common'];

/** The npm packages the CLI loaded for these arguments, and how it exited. */
async function loadedBy(...args: string[]) {
  const result = await startCli(args, { preload: [probe] }).result;
  const line = result.stderr.split('\n').find((text) => text.startsWith('loaded packages: '));
  expect(line, result.stderr).toBeDefined();
  const packages = JSON.parse(line!.slice('loaded packages: '.length)) as string[];
  return { code: result.code, packages };
}

describe('what the command line loads at its start', () => {
  beforeAll(() => buildCli(), 120_000);

  it('leaves the validation pipeline out of --help and of a syntax-only check', async () => {
    const help = await loadedBy('--help');
    expect(help.code).toBe(0);
    expect(help.packages).toContain('commander'); // the probe sees what was loaded
    for (const name of VALIDATION) expect(help.packages).not.toContain(name);

    const syntaxOnly = await loadedBy(
      'validate',
      join(root, 'sample-app/config/trend_following.json'),
    );
    expect(syntaxOnly.code).toBe(0);
    for (const name of VALIDATION) expect(syntaxOnly.packages).not.toContain(name);
  });

  it('loads it when a command validates against a DTO', async () => {
    const dto = `${join(root, 'test', 'fixtures', 'leaky-dto.mjs')}#LeakyBot`;
    const checked = await loadedBy(
      'validate',
      join(root, 'sample-app/config/trend_following.json'),
      '--dto',
      dto,
    );
    expect(checked.packages).toContain('class-validator');
  });
});
