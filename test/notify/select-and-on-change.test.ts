import 'reflect-metadata';
import { afterEach, describe, expect, expectTypeOf, it } from 'vitest';
import type { ConfigPathChange } from '../../lib/index.js';
import { CapturingLogger } from '../support/capturing-logger.js';
import { ConfigDir } from '../support/config-dir.js';
import { bootReloader, type ReloaderHarness } from '../support/reloader-app.js';
import { waitFor } from '../support/wait-for.js';

interface Bot {
  exchange: { name: string; apiKey: string };
  strategies: { id: string; risk: { stopLoss: number; takeProfit: number } }[];
}

const bot = (stopLosses: number[], name = 'binance'): Bot => ({
  exchange: { name, apiKey: 'k' },
  strategies: stopLosses.map((stopLoss, index) => ({
    id: `s${index}`,
    risk: { stopLoss, takeProfit: 0.5 },
  })),
});

describe('select() and onChange()', () => {
  let dir: ConfigDir;
  let harness: ReloaderHarness<Bot> | undefined;

  afterEach(async () => {
    await harness?.close();
    harness = undefined;
    await dir?.dispose();
  });

  async function boot(initial: Bot, logger?: CapturingLogger) {
    dir = await ConfigDir.create(initial);
    harness = await bootReloader<Bot>({ configPath: dir.file, autoReload: false }, { logger });
    return harness.service;
  }

  it('select emits the slice at once, again only when it changes, and follows notify: false', async () => {
    const service = await boot(bot([0.1, 0.2]));
    const seen: Bot['strategies'][number]['risk'][] = [];
    const subscription = service
      .select((config) => config.strategies[1]!.risk)
      .subscribe((risk) => {
        seen.push(risk);
      });
    expect(seen).toEqual([{ stopLoss: 0.2, takeProfit: 0.5 }]); // synchronously on subscribe

    await dir.write(bot([0.15, 0.2])); // strategy 0 changed, strategy 1 did not
    await service.reloadConfig();
    expect(seen).toHaveLength(1);

    await dir.write(bot([0.15, 0.3]));
    await service.reloadConfig({ notify: false }); // state: followed even when silent
    expect(seen).toHaveLength(2);
    expect(seen[1]).toBe(service.config.strategies[1]!.risk);
    subscription.unsubscribe();

    await dir.write(bot([0.15, 0.4]));
    await service.reloadConfig();
    expect(seen).toHaveLength(2);
  });

  it('select completes when the module is destroyed, and isolates a throwing selector', async () => {
    const logger = new CapturingLogger();
    const service = await boot(bot([0.1]), logger);
    let completed = false;
    const values: string[] = [];
    service
      .select((config) => {
        if (config.exchange.name === 'broken') throw new Error('selector bug');
        return config.exchange.name;
      })
      .subscribe({ next: (name) => void values.push(name), complete: () => (completed = true) });
    await dir.write(bot([0.1], 'broken'));
    await service.reloadConfig();
    await dir.write(bot([0.1], 'kraken'));
    await service.reloadConfig();
    expect(values).toEqual(['binance', 'kraken']);
    expect(logger.text).toContain('select() selector failed');
    await harness!.close();
    harness = undefined;
    expect(completed).toBe(true);
  });

  it('onChange reports each concrete path under a wildcard whose value changed', async () => {
    const service = await boot(bot([0.1, 0.2, 0.3]));
    const changes: ConfigPathChange[] = [];
    service.onChange('strategies.*.risk', (change) => void changes.push(change));

    await dir.write(bot([0.1, 0.25, 0.3]));
    await service.reloadConfig();
    await waitFor(() => changes.length === 1, { description: 'one change' });
    expect(changes).toEqual([
      {
        path: 'strategies.1.risk',
        previous: { stopLoss: 0.2, takeProfit: 0.5 },
        next: { stopLoss: 0.25, takeProfit: 0.5 },
        version: 2,
      },
    ]);

    // An element removed and one added: previous or next is undefined.
    changes.length = 0;
    await dir.write(bot([0.1, 0.25]));
    await service.reloadConfig();
    await dir.write(bot([0.1, 0.25, 0.7]));
    await service.reloadConfig();
    await waitFor(() => changes.length === 2, { description: 'removal and addition' });
    expect(changes).toEqual([
      {
        path: 'strategies.2.risk',
        previous: { stopLoss: 0.3, takeProfit: 0.5 },
        next: undefined,
        version: 3,
      },
      {
        path: 'strategies.2.risk',
        previous: undefined,
        next: { stopLoss: 0.7, takeProfit: 0.5 },
        version: 4,
      },
    ]);
  });

  it('onChange compares deeply with key order ignored, skips the initial load and notify: false, and unsubscribes', async () => {
    const service = await boot(bot([0.1]));
    const changes: ConfigPathChange[] = [];
    const unsubscribe = service.onChange('exchange', (change) => void changes.push(change));
    await dir.write({
      strategies: bot([0.1]).strategies,
      exchange: { apiKey: 'k', name: 'binance' },
    });
    await service.reloadConfig(); // same values, other key order and a new version
    await dir.write(bot([0.1], 'kraken'));
    await service.reloadConfig({ notify: false });
    await dir.write(bot([0.1], 'bybit'));
    await service.reloadConfig();
    await waitFor(() => changes.length === 1, { description: 'the announced change' });
    expect(changes[0]).toMatchObject({ path: 'exchange', next: { name: 'bybit' }, version: 4 });
    unsubscribe();
    await dir.write(bot([0.1], 'okx'));
    await service.reloadConfig();
    expect(changes).toHaveLength(1);
  });

  it('isolates a throwing or rejecting onChange listener', async () => {
    const logger = new CapturingLogger();
    const service = await boot(bot([0.1]), logger);
    const calls: string[] = [];
    service.onChange('exchange.name', () => {
      throw new Error('listener bug');
    });
    service.onChange('exchange.name', async () => {
      throw new Error('async listener bug');
    });
    service.onChange('exchange.name', (change) => void calls.push(String(change.next)));
    await dir.write(bot([0.1], 'kraken'));
    await expect(service.reloadConfig()).resolves.toMatchObject({ exchange: { name: 'kraken' } });
    await waitFor(() => logger.text.includes('async listener bug'), {
      description: 'the rejection logged',
    });
    expect(calls).toEqual(['kraken']);
    expect(logger.text).toContain('listener bug');
    expect(service.version).toBe(2);
  });

  it('types the listener from the config and the path', async () => {
    const service = await boot(bot([0.1]));
    service.onChange('strategies.*.risk', (change) => {
      expectTypeOf(change.next).toEqualTypeOf<
        { stopLoss: number; takeProfit: number } | undefined
      >();
    });
    service.onChange('exchange.name', (change) => {
      expectTypeOf(change.previous).toEqualTypeOf<string | undefined>();
    });
    expectTypeOf(service.select((config) => config.strategies)).toMatchTypeOf<
      import('rxjs').Observable<Bot['strategies']>
    >();
  });
});
