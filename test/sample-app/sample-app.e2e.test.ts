import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Test, type TestingModule } from '@nestjs/testing';
import {
  CONFIG_RELOAD_FAILED,
  CONFIG_RELOADED,
  ConfigReloaderService,
  ConfigValidationError,
} from 'nestjs-config-reloader';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AppModule } from '../../sample-app/src/app.module.js';
import { DEFAULT_CONFIG_PATH } from '../../sample-app/src/config/paths.js';
import type { TrendFollowingConfig } from '../../sample-app/src/config/trend-following.config.js';
import { RegimeEngine } from '../../sample-app/src/regime-engine.service.js';
import { StrategyRunner } from '../../sample-app/src/strategy.service.js';

/** Polls until `predicate` holds; fails with `description` after `timeoutMs`. */
async function waitFor(
  description: string,
  predicate: () => boolean,
  { timeoutMs = 5000, intervalMs = 10 } = {},
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms: ${description}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

describe('sample app (trend-following bot)', () => {
  let dir: string;
  let configPath: string;
  let original: TrendFollowingConfig;
  let app: TestingModule | undefined;
  let runner: StrategyRunner;
  let regimes: RegimeEngine;
  let reloader: ConfigReloaderService<TrendFollowingConfig>;

  /** Rewrites the whole file, as an operator saving it would. */
  async function writeConfig(config: TrendFollowingConfig): Promise<void> {
    await writeFile(configPath, JSON.stringify(config, null, 2));
  }

  function decisionOf(strategyId: string) {
    const decision = runner.lastBar?.decisions.find((d) => d.strategyId === strategyId);
    if (!decision) throw new Error(`no decision for ${strategyId} in the last bar`);
    return decision;
  }

  /** A write is not atomic: an intermediate parse failure may come first, so wait for this one. */
  function isValidationFailure(): boolean {
    const event = regimes.lastEvent;
    return event?.type === CONFIG_RELOAD_FAILED && event.payload.error.code === 'CONFIG_VALIDATION';
  }

  /** Waits for `bars` more bars, so assertions see bars run after the event of interest. */
  async function waitForBars(bars: number): Promise<void> {
    const target = (runner.lastBar?.bar ?? 0) + bars;
    await waitFor(`${bars} more bars`, () => (runner.lastBar?.bar ?? 0) >= target);
  }

  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'sample-app-e2e-'));
    configPath = path.join(dir, 'trend_following.json');
    await copyFile(DEFAULT_CONFIG_PATH, configPath);
    original = JSON.parse(await readFile(configPath, 'utf8')) as TrendFollowingConfig;

    // Automatic trading stays on, as in production: an open order holds a change back for at
    // most `orderHoldBars` bars, well within the waits below.
    app = await Test.createTestingModule({
      imports: [
        AppModule.forRoot({
          configPath,
          debounceMs: 50,
          barIntervalMs: 20,
          autoTrade: true,
          orderHoldBars: 2,
        }),
      ],
    }).compile();
    app.useLogger(false);
    await app.init();

    runner = app.get(StrategyRunner);
    regimes = app.get(RegimeEngine);
    reloader = app.get<ConfigReloaderService<TrendFollowingConfig>>(ConfigReloaderService);
    await waitForBars(1);
  });

  afterEach(async () => {
    await app?.close();
    app = undefined;
    await rm(dir, { recursive: true, force: true });
  });

  it('runs the strategies on the initial config', () => {
    expect(runner.lastBar?.version).toBe(1);
    const enabled = original.strategies.filter((s) => s.enabled);
    expect(new Set(runner.lastBar?.decisions.map((d) => d.strategyId))).toEqual(
      new Set(enabled.map((s) => s.id)),
    );
    const first = original.strategies[0];
    expect(decisionOf(first.id)).toMatchObject({
      fastPeriod: first.parameters.fastPeriod,
      slowPeriod: first.parameters.slowPeriod,
      stopLoss: first.risk.stopLoss,
    });
  });

  it('applies an edited parameter on the next bars and notifies the regime engine', async () => {
    const edited = structuredClone(original);
    const strategyId = edited.strategies[0].id;
    edited.strategies[0].parameters.fastPeriod += 5;
    await writeConfig(edited);

    await waitFor('a bar run on config v2', () => runner.lastBar?.version === 2);
    expect(decisionOf(strategyId).fastPeriod).toBe(edited.strategies[0].parameters.fastPeriod);
    expect(reloader.config.strategies[0].parameters.fastPeriod).toBe(
      edited.strategies[0].parameters.fastPeriod,
    );

    await waitFor('the reload event', () => regimes.lastEvent?.type === CONFIG_RELOADED);
    const event = regimes.lastEvent;
    if (event?.type !== CONFIG_RELOADED) throw new Error('expected a reload event');
    expect(event.payload.version).toBe(2);
    expect(event.payload.previousVersion).toBe(1);
    expect(event.payload.source).toBe('watch');
    expect(event.payload.changes).toEqual(['strategies.0.parameters.fastPeriod']);
    expect(regimes.current).toBeDefined();
  });

  it('keeps trading on the last good config when the file becomes invalid, then recovers', async () => {
    const strategy = original.strategies[3];
    const invalid = structuredClone(original);
    invalid.strategies[3].risk.stopLoss = 5; // the schema caps stopLoss at 1
    await writeConfig(invalid);

    await waitFor('the validation failure', isValidationFailure);
    const failure = regimes.lastEvent;
    if (failure?.type !== CONFIG_RELOAD_FAILED) throw new Error('expected a failure event');
    expect(failure.payload.error).toBeInstanceOf(ConfigValidationError);
    expect(failure.payload.error.code).toBe('CONFIG_VALIDATION');
    expect((failure.payload.error as ConfigValidationError).issues.map((i) => i.path)).toContain(
      'strategies.3.risk.stopLoss',
    );

    // Bars after the failure still run, on version 1 and its stop-loss.
    await waitForBars(2);
    expect(runner.lastBar?.version).toBe(1);
    expect(decisionOf(strategy.id).stopLoss).toBe(strategy.risk.stopLoss);
    expect(reloader.version).toBe(1);

    // Fixing the file is picked up without a restart.
    const fixed = structuredClone(original);
    fixed.strategies[3].risk.stopLoss = 0.015;
    await writeConfig(fixed);
    await waitFor('a bar run on the fixed config', () => runner.lastBar?.version === 2);
    expect(decisionOf(strategy.id).stopLoss).toBe(0.015);
  });

  it('rejects fastPeriod >= slowPeriod through the DTO rule the schema cannot express', async () => {
    const invalid = structuredClone(original);
    invalid.strategies[0].parameters.fastPeriod = invalid.strategies[0].parameters.slowPeriod;
    await writeConfig(invalid);

    await waitFor('the validation failure', isValidationFailure);
    const failure = regimes.lastEvent;
    if (failure?.type !== CONFIG_RELOAD_FAILED) throw new Error('expected a failure event');
    expect(failure.payload.error).toBeInstanceOf(ConfigValidationError);
    expect((failure.payload.error as ConfigValidationError).issues.map((i) => i.path)).toContain(
      'strategies.0.parameters.fastPeriod',
    );

    await waitForBars(2);
    expect(runner.lastBar?.version).toBe(1);
    expect(decisionOf(original.strategies[0].id).fastPeriod).toBe(
      original.strategies[0].parameters.fastPeriod,
    );
  });
});
