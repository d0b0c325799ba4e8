import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Test, type TestingModule } from '@nestjs/testing';
import {
  CONFIG_RELOAD_FAILED,
  CONFIG_RELOADED,
  ConfigRejectedError,
  ConfigReloaderService,
  REDACTED,
  type AuditRecord,
} from 'nestjs-config-reloader';
import { afterEach, describe, expect, it } from 'vitest';
import { AppModule, type AppOptions } from '../../sample-app/src/app.module.js';
import { DEFAULT_CONFIG_PATH } from '../../sample-app/src/config/paths.js';
import type { TrendFollowingConfig } from '../../sample-app/src/config/trend-following.config.js';
import { PositionBook } from '../../sample-app/src/positions/position-book.service.js';
import { RegimeEngine } from '../../sample-app/src/regime-engine.service.js';
import { StrategyRunner } from '../../sample-app/src/strategy.service.js';
import { waitFor } from '../support/wait-for.js';

describe('sample app trading: holds, veto and audit', () => {
  let dir: string | undefined;
  let configPath: string;
  let auditLogPath: string;
  let original: TrendFollowingConfig;
  let app: TestingModule | undefined;
  let runner: StrategyRunner;
  let book: PositionBook;
  let regimes: RegimeEngine;
  let reloader: ConfigReloaderService<TrendFollowingConfig>;

  async function start(options: Partial<AppOptions> = {}): Promise<void> {
    dir = await mkdtemp(path.join(os.tmpdir(), 'sample-app-trading-'));
    configPath = path.join(dir, 'trend_following.json');
    auditLogPath = path.join(dir, 'audit.jsonl');
    await copyFile(DEFAULT_CONFIG_PATH, configPath);
    original = JSON.parse(await readFile(configPath, 'utf8')) as TrendFollowingConfig;

    app = await Test.createTestingModule({
      imports: [
        AppModule.forRoot({
          configPath,
          auditLogPath,
          debounceMs: 50,
          barIntervalMs: 20,
          autoTrade: false,
          ...options,
        }),
      ],
    }).compile();
    app.useLogger(false);
    await app.init();

    runner = app.get(StrategyRunner);
    book = app.get(PositionBook);
    regimes = app.get(RegimeEngine);
    reloader = app.get<ConfigReloaderService<TrendFollowingConfig>>(ConfigReloaderService);
    await waitForBars(1);
  }

  afterEach(async () => {
    await app?.close();
    app = undefined;
    if (dir) await rm(dir, { recursive: true, force: true });
    dir = undefined;
  });

  /** Rewrites the whole file, as an operator saving it would. */
  async function writeConfig(config: TrendFollowingConfig): Promise<void> {
    await writeFile(configPath, JSON.stringify(config, null, 2));
  }

  /** Waits for `bars` more bars, so assertions see bars run after the event of interest. */
  async function waitForBars(bars: number): Promise<void> {
    const target = (runner.lastBar?.bar ?? 0) + bars;
    await waitFor(() => (runner.lastBar?.bar ?? 0) >= target, {
      description: `${bars} more bars`,
    });
  }

  function decisionOf(strategyId: string) {
    return runner.lastBar?.decisions.find((d) => d.strategyId === strategyId);
  }

  it('an open order holds a change back until it closes', async () => {
    await start();
    const strategy = original.strategies[0];
    const order = runner.openOrder({
      strategyId: strategy.id,
      symbol: strategy.symbols[0],
      side: 'buy',
    });
    const reason = `order ${order.id} open on ${strategy.symbols[0]}`;
    expect(reloader.getHealth().holds).toEqual([reason]);

    const edited = structuredClone(original);
    edited.strategies[0].parameters.fastPeriod += 5;
    await writeConfig(edited);

    // Validated, then staged: it waits for the order.
    await waitFor(() => reloader.getHealth().pending, { description: 'the change to be staged' });
    await waitForBars(2);
    expect(reloader.getHealth()).toMatchObject({ pending: true, holds: [reason], version: 1 });
    expect(runner.lastBar?.version).toBe(1);
    expect(decisionOf(strategy.id)?.fastPeriod).toBe(strategy.parameters.fastPeriod);
    expect(reloader.config.strategies[0].parameters.fastPeriod).toBe(
      strategy.parameters.fastPeriod,
    );

    expect(runner.closeOrder(order.id)).toMatchObject({ id: order.id, strategyId: strategy.id });
    expect(book.openOrders()).toEqual([]);
    await waitFor(() => runner.lastBar?.version === 2, { description: 'a bar run on v2' });
    expect(decisionOf(strategy.id)?.fastPeriod).toBe(edited.strategies[0].parameters.fastPeriod);
    expect(reloader.getHealth()).toMatchObject({ pending: false, holds: [], version: 2 });
    const event = regimes.lastReload;
    expect(event).toMatchObject({
      version: 2,
      source: 'watch',
      changes: ['strategies.0.parameters.fastPeriod'],
    });
  });

  const vetoCases: [string, (config: TrendFollowingConfig) => void, string][] = [
    ['disables', (config) => void (config.strategies[1].enabled = false), 'is disabled in'],
    ['removes', (config) => void config.strategies.splice(1, 1), 'is removed from'],
  ];

  it.each(vetoCases)(
    'refuses a config that %s a strategy with an open order',
    async (_what, edit, message) => {
      await start();
      const strategy = original.strategies[1];
      const order = runner.openOrder({
        strategyId: strategy.id,
        symbol: strategy.symbols[0],
        side: 'sell',
      });

      const edited = structuredClone(original);
      edit(edited);
      await writeConfig(edited);

      // A write is not atomic: a parse failure of a half-written file may be seen first.
      await waitFor(
        () =>
          regimes.lastEvent?.type === CONFIG_RELOAD_FAILED &&
          regimes.lastEvent.payload.error.code === 'CONFIG_REJECTED',
        { description: 'the veto' },
      );
      const failure = regimes.lastEvent;
      if (failure?.type !== CONFIG_RELOAD_FAILED) throw new Error('expected a failure event');
      expect(failure.payload.error).toBeInstanceOf(ConfigRejectedError);
      expect(failure.payload.error.message).toContain(
        `strategy "${strategy.id}" ${message} the new config`,
      );
      expect(failure.payload.error.message).toContain(`#${order.id} sell ${strategy.symbols[0]}`);
      expect(failure.payload.source).toBe('watch');

      // The old config stays, and the strategy keeps trading.
      await waitForBars(2);
      expect(reloader.version).toBe(1);
      expect(reloader.config.strategies[1]).toMatchObject({ id: strategy.id, enabled: true });
      expect(decisionOf(strategy.id)).toBeDefined();
      expect(reloader.getHealth()).toMatchObject({
        status: 'degraded',
        lastErrorCode: 'CONFIG_REJECTED',
        pending: false,
      });

      // Once the position is closed, the same file is accepted.
      runner.closeOrder(order.id);
      const applied = await reloader.reloadConfig();
      expect(reloader.version).toBe(2);
      expect(applied).toBe(reloader.config);
      expect(applied.strategies.find((s) => s.id === strategy.id)?.enabled ?? false).toBe(false);
      expect(reloader.getHealth().status).toBe('up');
      await waitForBars(2);
      expect(runner.lastBar?.version).toBe(2);
      expect(decisionOf(strategy.id)).toBeUndefined();
    },
  );

  it('still lets other changes through while a position is open', async () => {
    await start();
    const strategy = original.strategies[1];
    const order = runner.openOrder({
      strategyId: strategy.id,
      symbol: strategy.symbols[0],
      side: 'buy',
    });
    // Disabling another strategy is fine; it waits for the order, then passes the veto again.
    const edited = structuredClone(original);
    edited.strategies[0].enabled = false;
    await writeConfig(edited);
    await waitFor(() => reloader.getHealth().pending, { description: 'the change to be staged' });

    runner.closeOrder(order.id);
    await waitFor(() => reloader.version === 2, { description: 'the change to apply' });
    expect(reloader.config.strategies[0].enabled).toBe(false);
    expect(regimes.lastEvent?.type).toBe(CONFIG_RELOADED);
  });

  it('writes an audit line per applied change, with secrets redacted', async () => {
    await start();
    const edited = structuredClone(original);
    edited.strategies[3].risk.stopLoss = 0.015;
    edited.exchange.apiSecret = 'sk_paper_rotated_0d9e8f7a6b5c';
    await writeConfig(edited);
    await waitFor(() => reloader.version === 2, { description: 'the change to apply' });

    const records = await waitFor(
      async () => {
        const lines = (await readFile(auditLogPath, 'utf8')).split('\n').filter(Boolean);
        const parsed = lines.map((line) => JSON.parse(line) as AuditRecord);
        return parsed.some((record) => record.event === 'reloaded') ? parsed : undefined;
      },
      { description: 'the audit record of the reload' },
    );
    expect(records[0]).toMatchObject({ event: 'loaded', source: 'initial', version: 1 });
    const reloaded = records.find((record) => record.event === 'reloaded');
    expect(reloaded).toMatchObject({ source: 'watch', version: 2, previousVersion: 1 });
    expect(reloaded?.changes).toEqual(
      expect.arrayContaining([
        {
          path: 'strategies.3.risk.stopLoss',
          oldValue: original.strategies[3].risk.stopLoss,
          newValue: 0.015,
        },
        { path: 'exchange.apiSecret', oldValue: REDACTED, newValue: REDACTED },
      ]),
    );

    const text = await readFile(auditLogPath, 'utf8');
    for (const secret of [
      original.exchange.apiKey,
      original.exchange.apiSecret,
      edited.exchange.apiSecret,
    ]) {
      expect(text).not.toContain(secret);
    }
  });

  it('opens orders on signals by itself and closes them a few bars later', async () => {
    await start({ autoTrade: true, orderHoldBars: 2, barIntervalMs: 10 });
    const first = await waitFor(() => book.openOrders()[0], {
      description: 'an order to open',
    });
    expect(reloader.getHealth().holds).toContain(`order ${first.id} open on ${first.symbol}`);

    await waitFor(() => book.get(first.id) === undefined, { description: 'the order to close' });
    expect(runner.lastBar?.bar ?? 0).toBeGreaterThanOrEqual(first.openedAtBar + 2);
    expect(reloader.getHealth().holds).not.toContain(`order ${first.id} open on ${first.symbol}`);
  });

  it('starts the signals of a strategy afresh when its settings change, and only of that one', async () => {
    await start();
    const edited = structuredClone(original);
    const strategy = edited.strategies[0]!;
    strategy.parameters.slowPeriod += 1;
    await writeConfig(edited);
    await waitFor(() => runner.lastRetune?.version === 2, { description: 'the re-tune' });
    expect(runner.lastRetune).toEqual({ strategyId: strategy.id, change: 'changed', version: 2 });
  });
});
