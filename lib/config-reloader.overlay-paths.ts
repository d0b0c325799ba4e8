import { resolve } from 'node:path';
import { resolvePath } from './config-reloader.paths.js';
import type { ConfigReloaderOptions } from './interfaces/index.js';
import type { FileOverlay } from './sources/file/file.source.js';

/**
 * Checks `overlayPaths` and resolves each path as `configPath` is resolved (against the working
 * directory, remembering how it was given). `fail` throws the options error; `got` describes a
 * wrong value.
 */
export function resolveOverlayPaths(
  options: Pick<ConfigReloaderOptions, 'overlayPaths' | 'configSource'>,
  configPath: string | undefined,
  fail: (problem: string) => never,
  got: (value: unknown) => string,
): FileOverlay[] {
  const { overlayPaths } = options;
  if (overlayPaths === undefined) return [];
  if (options.configSource !== undefined) {
    fail(
      '"overlayPaths" layers files over "configPath"; a "configSource" assembles its own ' +
        'document (layer inside the source)',
    );
  }
  if (!Array.isArray(overlayPaths)) {
    fail(`"overlayPaths" must be an array of file paths${got(overlayPaths)}`);
  }
  const seen = new Map<string, string>();
  return overlayPaths.map((given: unknown, index) => {
    if (typeof given !== 'string' || given.trim() === '') {
      fail(`"overlayPaths[${index}]" must be the path of a JSON merge-patch file${got(given)}`);
    }
    const { path, relative } = resolvePath(given as string);
    // Compared normalized: `/srv/./bot.json` is `/srv/bot.json`.
    const key = resolve(path);
    if (configPath !== undefined && key === resolve(configPath)) {
      fail(
        `"overlayPaths[${index}]" is the config file itself ("configPath"); an overlay is ` +
          'another file, merged over it',
      );
    }
    const earlier = seen.get(key);
    if (earlier !== undefined) {
      fail(
        `"overlayPaths" names the file ${key} twice (${JSON.stringify(earlier)} and ` +
          `${JSON.stringify(given)}); give each overlay once`,
      );
    }
    seen.set(key, given as string);
    return relative ? { given: given as string, path, relative } : { given: given as string, path };
  });
}
