import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));

/**
 * The compilers the tests run, by path: both packages install a `tsc` binary, so which one
 * `node_modules/.bin/tsc` (and `npx tsc`) runs depends on how npm linked them.
 */
export const compilers = {
  /** The project's own TypeScript (`typescript` in package.json). */
  project: join(root, 'node_modules', 'typescript', 'bin', 'tsc'),
  /** TypeScript 7, the native compiler (`typescript7` in package.json), what a new app installs. */
  typescript7: join(root, 'node_modules', 'typescript7', 'bin', 'tsc'),
} as const;
