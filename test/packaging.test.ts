import { readFile, readdir } from 'node:fs/promises';
import { builtinModules } from 'node:module';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

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
});
