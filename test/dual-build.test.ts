import { execFile } from 'node:child_process';
import { access, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildOnce } from './support/build-once.js';

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
  main: string;
  types: string;
  bin: Record<string, string>;
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

beforeAll(async () => {
  await buildOnce('library');
}, 120_000);

describe('the dual build', () => {
  let report: DualLoadReport;

  beforeAll(async () => {
    // A separate Node process: vitest would resolve the package name to lib/ (vitest.config.ts).
    const { stdout } = await run(process.execPath, [dualLoad], { cwd: root });
    report = JSON.parse(stdout) as DualLoadReport;
  }, 120_000);

  it('gives every entry point an import and a require condition, each with its own types', async () => {
    const { exports } = await manifest();
    const entries = entryPoints(exports);
    expect(entries.map(([subpath]) => subpath)).toEqual([
      '.',
      './terminus',
      './etcd',
      './prometheus',
      './opentelemetry',
    ]);
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
      'nestjs-config-reloader/prometheus': await import('../lib/metrics/prometheus/index.js'),
      'nestjs-config-reloader/opentelemetry': await import('../lib/metrics/opentelemetry/index.js'),
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

describe('the published tarball', () => {
  let files: string[];

  beforeAll(async () => {
    // The build ran above; --ignore-scripts keeps npm from running it again (prepare).
    const { stdout } = await run('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], {
      cwd: root,
    });
    const [pack] = JSON.parse(stdout) as [{ files: { path: string }[] }];
    files = pack.files.map((file) => file.path).sort();
  }, 60_000);

  it('holds dist/, LICENSE, README.md, package.json and the alert rules, and nothing else', () => {
    const top = ['LICENSE', 'README.md', 'package.json', 'monitoring/config-reloader.rules.yml'];
    const elsewhere = files.filter((file) => !file.startsWith('dist/') && !top.includes(file));
    expect(elsewhere).toEqual([]);
    expect(files).toEqual(expect.arrayContaining(['LICENSE', 'README.md', 'package.json']));
  });

  it('ships no sources, source maps or build leftovers', () => {
    const unwanted = files.filter(
      (file) =>
        file.endsWith('.map') ||
        file.endsWith('.tsbuildinfo') ||
        (file.endsWith('.ts') && !file.endsWith('.d.ts')) ||
        /(^|\/)(test|fixtures|bench|sample-app|lib)\//.test(file),
    );
    expect(unwanted).toEqual([]);
  });

  it('contains every file package.json points at', async () => {
    const { main, types, bin, exports, typesVersions } = await manifest();
    const referenced = [
      main,
      types,
      ...Object.values(bin),
      ...entryPoints(exports).flatMap(([, conditions]) =>
        [conditions.import, conditions.require].flatMap(Object.values),
      ),
      ...Object.values(typesVersions['*'] ?? {}).flat(),
    ].map((file) => file.replace(/^\.\//, ''));
    expect(referenced.filter((file) => !files.includes(file))).toEqual([]);
    expect(files).toContain('dist/package.json');
  });

  it('builds on prepare, the one script npm runs when it installs the package from git', async () => {
    const { scripts } = JSON.parse(await readFile(join(root, 'package.json'), 'utf8')) as {
      scripts: Record<string, string>;
    };
    expect(scripts['prepare']).toBe('npm run build');
  });

  it('carries the MIT licence that package.json declares', async () => {
    const { license } = JSON.parse(await readFile(join(root, 'package.json'), 'utf8')) as {
      license: string;
    };
    const text = await readFile(join(root, 'LICENSE'), 'utf8');
    expect(license).toBe('MIT');
    expect(text).toMatch(
      /^MIT License\n\nCopyright \(c\) 2026 The nestjs-config-reloader authors\n/,
    );
  });

  it('has no source map references left in the built code', async () => {
    const built = files.filter((file) => /\.(c|m)?js$/.test(file));
    const referencing: string[] = [];
    for (const file of built) {
      if ((await readFile(join(root, file), 'utf8')).includes('sourceMappingURL')) {
        referencing.push(file);
      }
    }
    expect(referencing).toEqual([]);
  });
});
