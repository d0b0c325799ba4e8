import { expect } from 'vitest';
import { ConfigReloaderOptionsError } from '../../lib/config-reloader.errors.js';
import { resolveOptions } from '../../lib/config-reloader.options.js';
import type { ConfigReloaderOptions } from '../../lib/interfaces/index.js';

/** The message `forRoot()` refuses these options with (a file source is filled in). */
export function optionsProblem(options: Record<string, unknown>): string {
  try {
    resolveOptions({ configPath: '/srv/bot.json', ...options } as ConfigReloaderOptions);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigReloaderOptionsError);
    return (error as Error).message;
  }
  throw new Error('expected an options error');
}
