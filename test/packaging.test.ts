import { execFile } from 'node:child_process';
import { readFile, readdir } from 'node:fs/promises';
import { builtinModules } from 'node:module';
import { join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { buildOnce } from './support/build-once.js';

const root = fileURLToPath(new URL('..', import.meta.url));

async function sourceFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const nested = await Promise.all(
    entries.map((entry) =>
      entry.isDirectory() ? sourceFiles(join(dir, entry.name)) : [join(dir, entry.name)],
    ),
  );
  return nested.flat().filter((file) => file.endsWith('.ts'));
}

/** The package a bare import names: `@scope/name` or `name`, without a subpath. */
function packageOf(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!;
}

let packing: Promise<string[]> | undefined;

/** The paths `npm pack` would put in the tarball, from a fresh build; packed once per file. */
function packedPaths(): Promise<string[]> {
  packing ??= (async () => {
    await buildOnce();
    // --dry-run lists what npm would pack; --ignore-scripts keeps prepare from building again.
    const { stdout } = await promisify(execFile)(
      'npm',
      ['pack', '--dry-run', '--json', '--ignore-scripts'],
      { cwd: root },
    );
    const [pack] = JSON.parse(stdout) as [{ files: { path: string }[] }];
    return pack.files.map((file) => file.path);
  })();
  return packing;
}

describe('packaging', () => {
  it('imports in lib/ only what package.json declares as a dependency or peer', async () => {
    const manifest = JSON.parse(await readFile(join(root, 'package.json'), 'utf8')) as {
      dependencies: Record<string, string>;
      peerDependencies: Record<string, string>;
    };
    const declared = new Set([
      ...Object.keys(manifest.dependencies),
      ...Object.keys(manifest.peerDependencies),
    ]);
    const undeclared: string[] = [];
    for (const file of await sourceFiles(join(root, 'lib'))) {
      const text = await readFile(file, 'utf8');
      for (const [, specifier] of text.matchAll(/(?:from|import)\s+'([^'.][^']*)'/g)) {
        const name = packageOf(specifier!);
        if (name.startsWith('node:') || builtinModules.includes(name)) continue;
        if (!declared.has(name)) undeclared.push(`${relative(root, file)}: ${specifier}`);
      }
    }
    expect(undeclared).toEqual([]);
  });

  it('keeps @nestjs/terminus out of the main entry point (it is an optional peer)', async () => {
    const manifest = JSON.parse(await readFile(join(root, 'package.json'), 'utf8')) as {
      peerDependenciesMeta: Record<string, { optional?: boolean }>;
    };
    expect(manifest.peerDependenciesMeta['@nestjs/terminus']?.optional).toBe(true);
    const offenders: string[] = [];
    for (const file of await sourceFiles(join(root, 'lib'))) {
      if (file.includes(`${join('lib', 'terminus')}`)) continue;
      if ((await readFile(file, 'utf8')).includes("'@nestjs/terminus'")) offenders.push(file);
    }
    expect(offenders).toEqual([]);
  });

  it('keeps etcd3 behind the etcd entry point (an optional peer, never loaded by file-only apps)', async () => {
    const manifest = JSON.parse(await readFile(join(root, 'package.json'), 'utf8')) as {
      peerDependenciesMeta: Record<string, { optional?: boolean }>;
    };
    expect(manifest.peerDependenciesMeta.etcd3?.optional).toBe(true);
    const etcdFolder = join(root, 'lib', 'sources', 'etcd');
    const offenders: string[] = [];
    for (const file of await sourceFiles(join(root, 'lib'))) {
      if (file.startsWith(etcdFolder)) continue;
      const text = await readFile(file, 'utf8');
      if (text.includes("'etcd3'")) offenders.push(`${relative(root, file)} imports etcd3`);
      // Elsewhere the etcd folder may only be loaded on demand (the CLI's publish and status).
      for (const [line] of text.matchAll(/^import[^;]*sources\/etcd\/[^;]*;/gms)) {
        if (!line.startsWith('import type')) offenders.push(`${relative(root, file)}: ${line}`);
      }
    }
    expect(offenders).toEqual([]);
  });

  it('keeps each metrics library behind its own entry point (optional peers)', async () => {
    const manifest = JSON.parse(await readFile(join(root, 'package.json'), 'utf8')) as {
      peerDependenciesMeta: Record<string, { optional?: boolean }>;
    };
    const adapters = {
      'prom-client': join(root, 'lib', 'metrics', 'prometheus'),
      '@opentelemetry/api': join(root, 'lib', 'metrics', 'opentelemetry'),
    };
    const offenders: string[] = [];
    for (const [library, folder] of Object.entries(adapters)) {
      expect(manifest.peerDependenciesMeta[library]?.optional, library).toBe(true);
      for (const file of await sourceFiles(join(root, 'lib'))) {
        if (file.startsWith(folder)) continue;
        const text = await readFile(file, 'utf8');
        if (text.includes(`'${library}'`)) offenders.push(`${relative(root, file)}: ${library}`);
        // An adapter folder is loaded only through its entry point, never by the core.
        const adapter = relative(join(root, 'lib'), folder);
        for (const [line] of text.matchAll(/^(?:import|export)[^;]*;/gms)) {
          if (line.includes(adapter) && !/^(?:import|export) type/.test(line)) {
            offenders.push(`${relative(root, file)}: ${line}`);
          }
        }
      }
    }
    expect(offenders).toEqual([]);
  });

  it(
    'loads the main entry point without prom-client or @opentelemetry/api installed',
    {
      timeout: 300_000,
    },
    async () => {
      const { spawnSync } = await import('node:child_process');
      const { mkdtemp, writeFile, rm } = await import('node:fs/promises');
      const { tmpdir } = await import('node:os');
      await buildOnce();
      const dir = await mkdtemp(join(tmpdir(), 'no-metrics-libraries-'));
      try {
        // A resolver hook that makes both look uninstalled, as in an app without metrics.
        const hook = join(dir, 'hide-metrics.cjs');
        await writeFile(
          hook,
          `const Module = require('node:module');
const resolve = Module._resolveFilename;
const hidden = /^(prom-client|@opentelemetry\\/api)(\\/|$)/;
Module._resolveFilename = function (request, ...rest) {
  if (hidden.test(request)) {
    throw Object.assign(new Error('Cannot find module ' + request), { code: 'MODULE_NOT_FOUND' });
  }
  return resolve.call(this, request, ...rest);
};`,
        );
        const run = (code: string) =>
          spawnSync(process.execPath, ['--require', hook, '-e', code], {
            cwd: root,
            encoding: 'utf8',
          });
        const library = run("require('./dist/index.js')");
        expect(library.stderr).toBe('');
        expect(library.status).toBe(0);
        // The hook works: each adapter needs its library.
        expect(run("require('./dist/metrics/prometheus/index.js')").stderr).toContain(
          'Cannot find module prom-client',
        );
        expect(run("require('./dist/metrics/opentelemetry/index.js')").stderr).toContain(
          'Cannot find module @opentelemetry/api',
        );
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    },
  );

  it('loads the main entry point and the CLI without etcd3 installed', async () => {
    await buildOnce(); // it loads dist/, also when run on its own
    const { spawnSync } = await import('node:child_process');
    const { mkdtemp, writeFile, rm } = await import('node:fs/promises');
    const { tmpdir } = await import('node:os');
    const dir = await mkdtemp(join(tmpdir(), 'no-etcd3-'));
    try {
      // A resolver hook that makes etcd3 look uninstalled, as in a file-only app.
      const hook = join(dir, 'hide-etcd3.cjs');
      await writeFile(
        hook,
        `const Module = require('node:module');
const resolve = Module._resolveFilename;
Module._resolveFilename = function (request, ...rest) {
  if (request === 'etcd3' || request.startsWith('etcd3/')) {
    throw Object.assign(new Error('Cannot find module etcd3'), { code: 'MODULE_NOT_FOUND' });
  }
  return resolve.call(this, request, ...rest);
};`,
      );
      const run = (args: string[]) =>
        spawnSync(process.execPath, ['--require', hook, ...args], { cwd: root, encoding: 'utf8' });
      const library = run(['-e', "require('./dist/index.js')"]);
      expect(library.stderr).toBe('');
      expect(library.status).toBe(0);
      const cli = run(['dist/cli/main.js', '--help']);
      expect(cli.stderr).toBe('');
      expect(cli.status).toBe(0);
      // The hook works: the etcd entry point itself needs etcd3.
      expect(run(['-e', "require('./dist/sources/etcd/index.js')"]).stderr).toContain(
        'Cannot find module etcd3',
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('ships the alert rules in the tarball, without their promtool unit tests', async () => {
    const monitoring = (await packedPaths()).filter((path) => path.startsWith('monitoring/'));
    expect(monitoring).toEqual(['monitoring/config-reloader.rules.yml']);
  }, 300_000);

  it("ships every file of the dashboard's page, which the build copies rather than compiles", async () => {
    // From the source folder, so that a page file added later is checked as well.
    const page = join(root, 'lib', 'cli', 'dashboard', 'page');
    const expected = (await readdir(page, { recursive: true, withFileTypes: true }))
      .filter((entry) => entry.isFile())
      .map((entry) => relative(page, join(entry.parentPath, entry.name)).split(sep).join('/'))
      .map((file) => `dist/cli/dashboard/page/${file}`)
      .sort();
    expect(expected).toContain('dist/cli/dashboard/page/index.html');
    const packed = (await packedPaths())
      .filter((path) => path.startsWith('dist/cli/dashboard/page/'))
      .sort();
    expect(packed).toEqual(expected);
  }, 300_000);
});
