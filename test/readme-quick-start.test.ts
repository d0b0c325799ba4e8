import { execFile } from 'node:child_process';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { Type } from '@nestjs/common';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { buildOnce } from './support/build-once.js';
import { reloaderPerTest } from './support/reloader-app.js';
import {
  manifestOf,
  QuickStartProcess,
  quickStartFiles,
  saveAtomically,
  writeQuickStartApp,
} from './support/quick-start-app.js';
import { compilers } from './support/typescript.js';

const run = promisify(execFile);
const root = fileURLToPath(new URL('..', import.meta.url));

/** The package a bare import names: `@scope/name` or `name`, without a subpath. */
const packageOf = (specifier: string) =>
  specifier
    .split('/')
    .slice(0, specifier.startsWith('@') ? 2 : 1)
    .join('/');

type BotConfig = { botName: string; fastPeriod: number; risk?: unknown };
const initial: BotConfig = { botName: 'trend-bot', fastPeriod: 12, risk: { stopLoss: 0.02 } };

beforeAll(async () => {
  // The app imports the package as published: dist/ and package.json.
  await buildOnce('library');
}, 120_000);

describe('the README Quick start', () => {
  it('shows every file an app needs', async () => {
    expect([...(await quickStartFiles()).keys()].sort()).toEqual([
      'config/bot.json',
      'package.json',
      'src/app.module.ts',
      'src/bot.config.ts',
      'src/main.ts',
      'src/strategy.service.ts',
      'tsconfig.json',
    ]);
  });

  it('declares every package its code imports, and the build and start scripts', async () => {
    const files = await quickStartFiles();
    const manifest = manifestOf(files) as ReturnType<typeof manifestOf> & {
      scripts: Record<string, string>;
    };
    const imported = new Set<string>();
    for (const [name, code] of files) {
      if (!name.endsWith('.ts')) continue;
      for (const [, specifier] of code.matchAll(/(?:from|import) '([^'.][^']*)'/g)) {
        imported.add(packageOf(specifier!));
      }
    }
    expect([...imported].filter((name) => !(name in manifest.dependencies))).toEqual([]);
    expect(Object.keys(manifest.devDependencies ?? {})).toEqual(['typescript']);
    expect(manifest.scripts).toMatchObject({
      build: expect.any(String),
      start: expect.any(String),
    });
  });
});

describe.each([
  ["the project's TypeScript", compilers.project],
  ['TypeScript 7', compilers.typescript7],
])('the README Quick start built with %s', (_, compiler) => {
  let dir: string | undefined;
  let app: QuickStartProcess | undefined;

  afterEach(async () => {
    app?.stop('SIGKILL');
    await app?.exited;
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('compiles as written, starts, applies an edit, refuses broken ones, and stops on SIGTERM', async () => {
    dir = await writeQuickStartApp(await quickStartFiles());
    await run(process.execPath, [compiler, '-p', 'tsconfig.json'], { cwd: dir }).catch(
      (error: { stdout?: string; message: string }) => {
        throw new Error(`tsc failed:\n${error.stdout ?? ''}${error.message}`);
      },
    );
    const configFile = join(dir, 'config', 'bot.json');

    app = new QuickStartProcess(dir);
    let mark = await app.waitForLine('[default] config v1 loaded from');
    await app.waitForLine(
      'validated by the JSON Schema generated from BotConfig and DTO BotConfig',
    );
    await app.waitForLine('trend-bot: fast 12, stop 0.02', mark);

    mark = app.mark;
    await saveAtomically(configFile, { ...initial, risk: { stopLoss: 0.03 } });
    await app.waitForLine('config v2 applied (1 change(s): risk.stopLoss)', mark);
    await app.waitForLine('stop loss 0.02 -> 0.03', mark); // @OnEvent(CONFIG_RELOADED)
    await app.waitForLine('config v2: risk.stopLoss', mark); // the onReload() listener
    mark = await app.waitForLine('trend-bot: fast 12, stop 0.03', mark);

    // A section the code reads must be there and be an object; the bot keeps the last good config.
    for (const [risk, reason] of [
      [undefined, '- risk: is required'],
      [[], '- risk: must be object'],
    ] as const) {
      mark = app.mark;
      await saveAtomically(configFile, { ...initial, fastPeriod: 5, risk });
      mark = await app.waitForLine('reload failed, keeping the current config', mark);
      mark = await app.waitForLine(reason, mark);
    }

    // A wrong type is named once, by the schema made from the DTO, not as contradictory ranges.
    const wrongTypeSaved = app.mark;
    await saveAtomically(configFile, { ...initial, risk: { stopLoss: '0.1' } });
    mark = await app.waitForLine('- risk.stopLoss: must be number', wrongTypeSaved);
    expect(app.log.slice(wrongTypeSaved, mark)).not.toContain('must not be');
    await app.waitForLine('trend-bot: fast 12, stop 0.03', mark);
    expect(app.log).not.toContain('TypeError');

    mark = app.mark;
    app.stop('SIGTERM');
    await app.waitForLine('stopped (SIGTERM)', mark);
    expect(await app.waitForExit()).toEqual({ code: null, signal: 'SIGTERM' });
  }, 60_000);
});

describe("the Quick start's DTO on its own, without the schema made from it", () => {
  // Inside the project, so that the test runner compiles the decorators as it does the tests'.
  const copy = join(root, 'test', '.quick-start');
  let BotConfig: Type<BotConfig>;
  const reloader = reloaderPerTest<BotConfig>();

  beforeAll(async () => {
    await mkdir(copy, { recursive: true });
    await writeFile(
      join(copy, 'bot.config.ts'),
      (await quickStartFiles()).get('src/bot.config.ts')!,
    );
    ({ BotConfig } = (await import(join(copy, 'bot.config.ts'))) as {
      BotConfig: Type<BotConfig>;
    });
  });

  afterAll(() => rm(copy, { recursive: true, force: true }));

  it.each([
    ['leaves out risk', { botName: 'trend-bot', fastPeriod: 12 }],
    ['sets risk to null', { ...initial, risk: null }],
    ['sets risk to an array', { ...initial, risk: [] }],
    ['sets risk to a number', { ...initial, risk: 0.02 }],
  ])('refuses a config that %s, and keeps the config in force', async (_, broken) => {
    const service = await reloader.boot(initial, { dto: BotConfig, autoReload: false });
    await reloader.dir.write(broken);
    await expect(service.reloadConfig()).rejects.toMatchObject({
      code: 'CONFIG_VALIDATION',
      issues: expect.arrayContaining([expect.objectContaining({ path: 'risk' })]),
    });
    expect(service.version).toBe(1);
    expect(service.config).toMatchObject(initial);
  });
});
