import 'reflect-metadata';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ConfigRejectedError, type ConfigReloaderOptions } from '../../lib/index.js';
import { ConfigDir } from '../support/config-dir.js';
import { bootReloader, type ReloaderHarness } from '../support/reloader-app.js';
import { waitFor } from '../support/wait-for.js';

interface Settings {
  revision: number;
  enabled?: string[];
}

describe('hold during trades', () => {
  let dir: ConfigDir;
  let harness: ReloaderHarness<Settings> | undefined;

  async function start(options: Partial<ConfigReloaderOptions<Settings>> = {}) {
    dir = await ConfigDir.create({ revision: 1 });
    harness = await bootReloader<Settings>({
      configPath: dir.file,
      debounceMs: 20,
      verifyIntervalMs: 50,
      ...options,
    });
    return harness;
  }

  afterEach(async () => {
    vi.useRealTimers();
    await harness?.close();
    harness = undefined;
    await dir?.dispose();
  });

  it('stages validated changes while held (latest wins) and applies them on the last release', async () => {
    const { service, reloaded } = await start();
    const releaseA = service.hold('order 1 open on BTC-USD');
    const releaseB = service.hold('order 2 open on ETH-USD');

    await dir.write({ revision: 2 });
    await waitFor(() => service.getHealth().pending, { description: 'the staged change' });
    await dir.write({ revision: 3 });
    await waitFor(async () => {
      // The staged change is replaced by the newer one; nothing applies meanwhile.
      await service.reloadConfig();
      return service.getHealth().pending && service.config.revision === 1;
    });
    expect(service.getHealth().holds).toEqual([
      'order 1 open on BTC-USD',
      'order 2 open on ETH-USD',
    ]);

    releaseA();
    releaseA(); // idempotent: does not count as releasing B
    expect(service.getHealth().holds).toEqual(['order 2 open on ETH-USD']);
    await service.reloadConfig(); // runs after anything the release may have queued
    expect(service.config.revision).toBe(1);

    releaseB();
    await waitFor(() => service.config.revision === 3, {
      description: 'the staged change applied',
    });
    expect(service.version).toBe(2); // one new version: revision 2 never applied
    expect(reloaded.map((event) => event.newConfig.revision)).toEqual([3]);
    expect(service.getHealth()).toMatchObject({ pending: false, holds: [] });
  });

  it('does not drop a staged valid change when a later write is invalid', async () => {
    const { service, failed } = await start({
      schema: { type: 'object', properties: { revision: { type: 'integer' } } },
    });
    const release = service.hold('trade');
    await dir.write({ revision: 2 });
    await waitFor(() => service.getHealth().pending);
    await dir.write({ revision: 'broken' });
    await waitFor(() => failed.length === 1, { description: 'the failure report' });
    expect(service.getHealth().pending).toBe(true);
    release();
    await waitFor(() => service.config.revision === 2, { description: 'the staged change' });
  });

  it('drops the staged change when the file goes back to the applied content', async () => {
    const { service } = await start();
    const release = service.hold('trade');
    await dir.write({ revision: 2 });
    await waitFor(() => service.getHealth().pending);
    await dir.write({ revision: 1 });
    await waitFor(() => !service.getHealth().pending, { description: 'the revert' });
    release();
    await service.reloadConfig(); // runs after anything the release may have queued
    expect(service.version).toBe(1);
  });

  it('releases a forgotten hold after its timeout', async () => {
    const { service } = await start();
    service.hold('forgotten', { timeoutMs: 100 });
    await dir.write({ revision: 2 });
    await waitFor(() => service.config.revision === 2, { description: 'the timed-out hold' });
    expect(service.getHealth().holds).toEqual([]);
  });

  it('rejects a non-positive hold timeout', async () => {
    const { service } = await start();
    expect(() => service.hold('x', { timeoutMs: 0 })).toThrow(RangeError);
    expect(service.getHealth().holds).toEqual([]);
  });
});

describe('beforeApply veto', () => {
  let dir: ConfigDir;
  let harness: ReloaderHarness<Settings> | undefined;
  const openPositions = new Set<string>();

  const beforeApply = (next: Readonly<Settings>) => {
    const open = [...openPositions].filter((strategy) => !next.enabled?.includes(strategy));
    if (open.length > 0) throw new Error(`strategy ${open.join(', ')} still holds positions`);
  };

  afterEach(async () => {
    openPositions.clear();
    await harness?.close();
    harness = undefined;
    await dir?.dispose();
  });

  it('rejects a vetoed change, keeps the config, reports it, and accepts it once allowed', async () => {
    dir = await ConfigDir.create({ revision: 1, enabled: ['trend', 'breakout'] });
    harness = await bootReloader<Settings>({
      configPath: dir.file,
      debounceMs: 20,
      verifyIntervalMs: 50,
      beforeApply,
    });
    const { service, failed } = harness;
    openPositions.add('breakout');

    await dir.write({ revision: 2, enabled: ['trend'] });
    await waitFor(() => failed.length === 1, { description: 'the veto report' });
    expect(failed[0]!.error).toBeInstanceOf(ConfigRejectedError);
    expect(failed[0]!.error.message).toContain('strategy breakout still holds positions');
    expect(service.config.revision).toBe(1);

    const manual = await service.reloadConfig().catch((error: unknown) => error);
    expect(manual).toBeInstanceOf(ConfigRejectedError);

    openPositions.clear();
    await expect(service.reloadConfig()).resolves.toMatchObject({ revision: 2 });
  });

  it('judges a vetoed change again until it passes, reporting the same veto once', async () => {
    dir = await ConfigDir.create({ revision: 1, enabled: ['trend', 'breakout'] });
    let judged = 0;
    harness = await bootReloader<Settings>({
      configPath: dir.file,
      debounceMs: 10,
      verifyIntervalMs: 30,
      beforeApply: (next) => {
        judged++;
        beforeApply(next);
      },
    });
    const { service, failed } = harness;
    openPositions.add('breakout');
    await dir.write({ revision: 2, enabled: ['trend'] });
    await waitFor(() => failed.length === 1, { description: 'the veto' });
    const judgedAtVeto = judged;
    await waitFor(() => judged >= judgedAtVeto + 3, { description: 'several re-judgements' });
    expect(failed).toHaveLength(1);
    expect(service.config.revision).toBe(1);

    openPositions.clear(); // the position closes: nobody touches the file
    await waitFor(() => service.config.revision === 2, { description: 'the change, now allowed' });
    expect(service.getHealth().consecutiveErrors).toBe(0);
  });

  it('re-checks a staged change when the hold ends', async () => {
    dir = await ConfigDir.create({ revision: 1, enabled: ['trend'] });
    harness = await bootReloader<Settings>({
      configPath: dir.file,
      debounceMs: 20,
      verifyIntervalMs: 50,
      beforeApply,
    });
    const { service, failed } = harness;
    const release = service.hold('order on trend');
    await dir.write({ revision: 2, enabled: [] });
    await waitFor(() => service.getHealth().pending);
    openPositions.add('trend'); // a position opened while the change waited
    release();
    await waitFor(() => failed.length === 1, { description: 'the veto at release' });
    expect(failed[0]!.error.code).toBe('CONFIG_REJECTED');
    expect(service.config.revision).toBe(1);
    openPositions.clear();
    await waitFor(() => service.config.revision === 2, { description: 'the change, now allowed' });
    expect(failed).toHaveLength(1);
  });
});
