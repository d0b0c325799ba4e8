import 'reflect-metadata';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Test, type TestingModule } from '@nestjs/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigReloaderService } from '../lib/index.js';
import { waitFor } from './support/wait-for.js';

const root = fileURLToPath(new URL('..', import.meta.url));
// Inside the project, so that the test runner compiles the files as it does the tests.
const app = join(root, 'test', '.quick-start');

/** The Quick start's files, as the README shows them: `// name.ts` blocks and the named JSON files. */
async function quickStartFiles(): Promise<Map<string, string>> {
  const readme = await readFile(join(root, 'README.md'), 'utf8');
  const start = readme.indexOf('## Quick start\n');
  const section = readme.slice(start, readme.indexOf('\n## ', start + 1));
  const files = new Map<string, string>();
  const block = /```(ts|json)\n([\s\S]*?)```/g;
  for (let match = block.exec(section); match; match = block.exec(section)) {
    const [, language, code] = match;
    const name =
      language === 'ts'
        ? /^\/\/ (\S+\.ts)\n/.exec(code!)?.[1]
        : [...section.slice(0, match.index).matchAll(/`([\w/.-]+\.json)`/g)].at(-1)?.[1];
    if (name) files.set(name, code!);
  }
  return files;
}

type BotConfig = { botName: string; fastPeriod: number; risk: { stopLoss: number } };

describe('the README Quick start, copied verbatim', () => {
  let moduleRef: TestingModule | undefined;
  const cwd = process.cwd();

  beforeAll(async () => {
    await rm(app, { recursive: true, force: true });
    await mkdir(join(app, 'config'), { recursive: true });
    for (const [name, code] of await quickStartFiles()) await writeFile(join(app, name), code);
    // configPath 'config/bot.json' is relative to the working directory, as in a real app.
    process.chdir(app);
  });

  afterAll(async () => {
    await moduleRef?.close();
    process.chdir(cwd);
    await rm(app, { recursive: true, force: true });
  });

  it('shows every file it names', async () => {
    expect([...(await quickStartFiles()).keys()].sort()).toEqual([
      'app.module.ts',
      'bot.config.ts',
      'config/bot.json',
      'config/bot.schema.json',
      'strategy.service.ts',
    ]);
  });

  it('starts, reads the config, and reloads an edit', async () => {
    const { AppModule } = (await import(join(app, 'app.module.ts'))) as { AppModule: never };
    const { StrategyService } = (await import(join(app, 'strategy.service.ts'))) as {
      StrategyService: new (...args: never[]) => { onBar(): void };
    };
    moduleRef = await Test.createTestingModule({ imports: [AppModule] }).compile();
    moduleRef.useLogger(false);
    await moduleRef.init();
    const reloader = moduleRef.get<ConfigReloaderService<BotConfig>>(ConfigReloaderService);
    expect(reloader.config).toMatchObject({ botName: 'trend-bot', risk: { stopLoss: 0.02 } });
    moduleRef.get(StrategyService).onBar();

    const edited = JSON.parse(await readFile(join(app, 'config', 'bot.json'), 'utf8')) as BotConfig;
    edited.risk.stopLoss = 0.03;
    await writeFile(join(app, 'config', 'bot.json'), JSON.stringify(edited, null, 2));
    await waitFor(() => reloader.version === 2, { timeoutMs: 10_000, description: 'the reload' });
    expect(reloader.config.risk.stopLoss).toBe(0.03);

    // A wrong type is named once, by the schema, not as two contradictory range messages.
    edited.risk.stopLoss = '0.1' as unknown as number;
    await writeFile(join(app, 'config', 'bot.json'), JSON.stringify(edited, null, 2));
    const error = await reloader.reloadConfig().catch((reason: unknown) => reason);
    expect(error).toMatchObject({
      code: 'CONFIG_VALIDATION',
      issues: [{ path: 'risk.stopLoss', message: 'must be number' }],
    });
  });
});
