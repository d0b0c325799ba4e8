import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigReloaderOptionsError } from '../lib/config-reloader.errors.js';
import { resolveOptions } from '../lib/config-reloader.options.js';
import type { ConfigReloaderOptions } from '../lib/interfaces/index.js';
import { MemorySource } from './support/memory.source.js';
import { optionsProblem } from './support/options-problem.js';

const CONFIG = path.resolve('/srv/bot/config.json');

describe('the overlayPaths option', () => {
  it('resolves each path like configPath, keeping how it was given and the order', () => {
    const resolved = resolveOptions({
      configPath: CONFIG,
      overlayPaths: ['overlays/btc.json', '/srv/bot/eu.json'],
    });
    expect(resolved.overlayPaths).toEqual(['overlays/btc.json', '/srv/bot/eu.json']);
    expect(resolved.overlays).toEqual([
      {
        given: 'overlays/btc.json',
        path: path.resolve('overlays/btc.json'),
        relative: { given: 'overlays/btc.json', workingDirectory: process.cwd() },
      },
      { given: '/srv/bot/eu.json', path: '/srv/bot/eu.json' },
    ]);
    expect(resolveOptions({ configPath: CONFIG }).overlays).toEqual([]);
    expect(resolveOptions({ configPath: CONFIG, overlayPaths: [] }).overlays).toEqual([]);
  });

  it.each([
    [
      { overlayPaths: 'btc.json' },
      /"overlayPaths" must be an array of file paths, got the string "btc.json"/,
    ],
    [
      { overlayPaths: ['btc.json', ''] },
      /"overlayPaths\[1\]" must be the path of a JSON merge-patch file, got the string ""/,
    ],
    [{ overlayPaths: ['  '] }, /"overlayPaths\[0\]" must be the path/],
    [
      { overlayPaths: [42] },
      /"overlayPaths\[0\]" must be the path of a JSON merge-patch file, got the number 42/,
    ],
    [
      { overlayPaths: ['/srv/a.json', '/srv/b.json', '/srv/../srv/a.json'] },
      /"overlayPaths" names the file \/srv\/a\.json twice \("\/srv\/a\.json" and "\/srv\/\.\.\/srv\/a\.json"\)/,
    ],
    [
      { configPath: '/srv/bot.json', overlayPaths: ['/srv/./bot.json'] },
      /"overlayPaths\[0\]" is the config file itself \("configPath"\)/,
    ],
  ])('refuses %j', (options, problem) => {
    expect(optionsProblem(options)).toMatch(problem);
  });

  it('is refused with a configSource, which layers its own document', () => {
    const options = {
      configSource: new MemorySource('bot', '{}'),
      overlayPaths: ['btc.json'],
    } as ConfigReloaderOptions;
    expect(() => resolveOptions(options)).toThrow(ConfigReloaderOptionsError);
    expect(() => resolveOptions(options)).toThrow(
      /"overlayPaths" layers files over "configPath"; a "configSource" assembles its own document/,
    );
  });
});
