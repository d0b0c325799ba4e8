import { execFile } from 'node:child_process';
import { access, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const root = fileURLToPath(new URL('..', import.meta.url));
const dualLoad = join(root, 'test', 'fixtures', 'dual-load.mjs');

interface EntryPointReport {
  importResolvesTo: string;
  requireResolvesTo: string;
  importNames: string[];
  requireNames: string[];
  identical: string[];
}

interface DualLoadReport {
  entryPoints: Record<string, EntryPointReport>;
  serviceFoundByImportedToken: boolean;
  reloadError: {
    name: string;
    instanceofImportedParseError: boolean;
    instanceofRequiredParseError: boolean;
    instanceofImportedBase: boolean;
    instanceofRequiredBase: boolean;
  };
}

interface Conditions {
  import: { types: string; default: string };
  require: { types: string; default: string };
}

interface Manifest {
  exports: Record<string, Conditions | string>;
  typesVersions: Record<string, Record<string, string[]>>;
}

const manifest = async (): Promise<Manifest> =>
  JSON.parse(await readFile(join(root, 'package.json'), 'utf8')) as Manifest;

/** The subpaths of "exports" that are code entry points (not ./package.json). */
const entryPoints = (exports: Manifest['exports']) =>
  Object.entries(exports).filter(
    (entry): entry is [string, Conditions] => typeof entry[1] === 'object',
  );

describe('the dual build', () => {
  let report: DualLoadReport;

  beforeAll(async () => {
    await run('npm', ['run', 'build'], { cwd: root });
    // A separate Node process: vitest would resolve the package name to lib/ (vitest.config.ts).
    const { stdout } = await run(process.execPath, [dualLoad], { cwd: root });
    report = JSON.parse(stdout) as DualLoadReport;
  }, 120_000);

  it('gives every entry point an import and a require condition, each with its own types', async () => {
    const { exports } = await manifest();
    const entries = entryPoints(exports);
    expect(entries.map(([subpath]) => subpath)).toEqual(['.', './terminus']);
    for (const [, conditions] of entries) {
      expect(conditions.import.default).toMatch(/^\.\/dist\/.+\.mjs$/);
      expect(conditions.import.types).toMatch(/^\.\/dist\/.+\.d\.mts$/);
      expect(conditions.require.default).toMatch(/^\.\/dist\/.+\.js$/);
      expect(conditions.require.types).toMatch(/^\.\/dist\/.+\.d\.ts$/);
      for (const file of [conditions.import, conditions.require].flatMap(Object.values)) {
        await expect(access(join(root, file))).resolves.toBeUndefined();
      }
    }
  });

  it('maps every subpath in typesVersions, so that moduleResolution node10 finds its types', async () => {
    const { exports, typesVersions } = await manifest();
    for (const [subpath, conditions] of entryPoints(exports)) {
      if (subpath === '.') continue;
      expect(typesVersions['*']?.[subpath.slice(2)]).toEqual([conditions.require.types]);
    }
  });

  it('resolves import to the ES module wrapper and require to the CommonJS build', () => {
    const main = report.entryPoints['nestjs-config-reloader']!;
    expect(main.importResolvesTo).toBe(pathToFileURL(join(root, 'dist', 'index.mjs')).href);
    expect(main.requireResolvesTo).toBe(join(root, 'dist', 'index.js'));
    const terminus = report.entryPoints['nestjs-config-reloader/terminus']!;
    expect(terminus.importResolvesTo).toBe(
      pathToFileURL(join(root, 'dist', 'terminus', 'index.mjs')).href,
    );
    expect(terminus.requireResolvesTo).toBe(join(root, 'dist', 'terminus', 'index.js'));
  });

  it('exports the same names both ways, and the names the sources export', async () => {
    const sources: Record<string, Record<string, unknown>> = {
      'nestjs-config-reloader': await import('../lib/index.js'),
      'nestjs-config-reloader/terminus': await import('../lib/terminus/index.js'),
    };
    for (const [specifier, entry] of Object.entries(report.entryPoints)) {
      expect(entry.importNames, specifier).toEqual(entry.requireNames);
      expect(entry.importNames, specifier).toEqual(Object.keys(sources[specifier]!).sort());
    }
  });

  it('gives the very same objects both ways: one copy of every class and function', () => {
    for (const [specifier, entry] of Object.entries(report.entryPoints)) {
      expect(entry.identical, specifier).toEqual(entry.importNames);
    }
    expect(report.entryPoints['nestjs-config-reloader']!.identical).toEqual(
      expect.arrayContaining([
        'ConfigReloadError',
        'ConfigReloaderService',
        'ConfigReloaderModule',
      ]),
    );
  });

  it('lets Nest find the service of a required module by the imported class token', () => {
    expect(report.serviceFoundByImportedToken).toBe(true);
  });

  it('keeps instanceof true across import and require for the errors it throws', () => {
    expect(report.reloadError).toEqual({
      name: 'ConfigParseError',
      instanceofImportedParseError: true,
      instanceofRequiredParseError: true,
      instanceofImportedBase: true,
      instanceofRequiredBase: true,
    });
  });

  it('keeps the command line working from the CommonJS build', async () => {
    const { stdout } = await run(process.execPath, [
      join(root, 'dist', 'cli', 'main.js'),
      '--help',
    ]);
    expect(stdout).toContain('Usage: config-reloader');
  });
});
