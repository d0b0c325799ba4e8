import 'reflect-metadata';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { prometheusMetrics } from '../../lib/metrics/prometheus/index.js';
import { reloaderPerTest } from '../support/reloader-app.js';
import { waitFor } from '../support/wait-for.js';
import { valueOf } from './prometheus-text.js';

const SECRET = 'sk_live_7f3a9c_never_on_a_metric';
const config = (risk: number) => ({ risk, exchange: { apiKey: SECRET } });
const labels = { name: 'default', source: 'file' };
const reloads = (text: string, result: string) =>
  valueOf(text, 'config_reloader_reloads_total', { ...labels, result });

describe('prometheusMetrics()', () => {
  const reloader = reloaderPerTest<ReturnType<typeof config>>();

  async function boot(registry: Registry) {
    const service = await reloader.boot(config(1), {
      debounceMs: 20,
      verifyIntervalMs: 50,
      metrics: prometheusMetrics({ registry }),
    });
    return { service, scrape: () => registry.metrics() };
  }

  it('sets version, info and the success gauges on the initial load, which is no reload', async () => {
    const { service, scrape } = await boot(new Registry());
    const text = await scrape();
    const [initial] = service.getHistory();
    expect(valueOf(text, 'config_reloader_config_version', labels)).toBe(service.version);
    expect(valueOf(text, 'config_reloader_last_reload_successful', labels)).toBe(1);
    expect(valueOf(text, 'config_reloader_last_reload_success_timestamp_seconds', labels)).toBe(
      initial!.loadedAt.getTime() / 1000,
    );
    const info = { ...labels, revision: initial!.revision, hash: initial!.hash };
    expect(valueOf(text, 'config_reloader_config_info', info)).toBe(1);
    expect(valueOf(text, 'config_reloader_source_connected', labels)).toBe(1);
    for (const result of ['applied', 'rejected', 'failed', 'staged', 'unchanged']) {
      expect(reloads(text, result), result).toBe(0);
    }
  });

  it('counts a good, a bad and an equal file once each, and the gauges follow health', async () => {
    const { service, scrape } = await boot(new Registry());
    await reloader.dir.writeAtomically(config(2));
    await waitFor(() => service.version === 2, { description: 'the good file applied' });
    let text = await scrape();
    expect(reloads(text, 'applied')).toBe(1);
    const applied = { ...labels, result: 'applied' };
    expect(valueOf(text, 'config_reloader_reload_duration_seconds_count', applied)).toBe(1);
    expect(valueOf(text, 'config_reloader_config_version', labels)).toBe(2);
    const inForce = service.getHistory().at(-1)!;
    const info = { ...labels, revision: inForce.revision, hash: inForce.hash };
    expect(valueOf(text, 'config_reloader_config_info', info)).toBe(1);

    await reloader.dir.writeAtomically(`{ "risk": 3, "exchange": { "apiKey": "${SECRET}" `);
    await waitFor(() => service.getHealth().consecutiveErrors === 1, {
      description: 'the bad file reported',
    });
    text = await scrape();
    expect(reloads(text, 'rejected')).toBe(service.getHealth().errorCount);
    expect(valueOf(text, 'config_reloader_last_reload_successful', labels)).toBe(0);
    expect(valueOf(text, 'config_reloader_config_version', labels)).toBe(2);
    const unchangedBefore = reloads(text, 'unchanged')!;

    await reloader.dir.writeAtomically(config(2));
    text = await waitFor(
      async () => {
        const scraped = await scrape();
        return reloads(scraped, 'unchanged')! > unchangedBefore ? scraped : undefined;
      },
      { description: 'the equal file counted unchanged' },
    );
    expect(valueOf(text, 'config_reloader_last_reload_successful', labels)).toBe(1);
    expect(reloads(text, 'applied')).toBe(1);
    expect(reloads(text, 'rejected')).toBe(1);
    expect(reloads(text, 'failed')).toBe(0);
    expect(text).not.toContain(SECRET);
  });

  it('counts a change staged while a hold is taken, then applied when it ends', async () => {
    const { service, scrape } = await boot(new Registry());
    const release = service.hold('open position');
    await reloader.dir.writeAtomically(config(5));
    let text = await waitFor(
      async () => {
        const scraped = await scrape();
        return reloads(scraped, 'staged') === 1 ? scraped : undefined;
      },
      { description: 'the change staged' },
    );
    expect(valueOf(text, 'config_reloader_holds', labels)).toBe(1);
    expect(valueOf(text, 'config_reloader_pending_changes', labels)).toBe(1);
    expect(reloads(text, 'applied')).toBe(0);

    release();
    await waitFor(() => service.version === 2, { description: 'the staged change applied' });
    text = await scrape();
    expect(reloads(text, 'applied')).toBe(1);
    expect(reloads(text, 'staged')).toBe(1);
    expect(valueOf(text, 'config_reloader_holds', labels)).toBe(0);
    expect(valueOf(text, 'config_reloader_pending_changes', labels)).toBe(0);
  });

  it('counts a listener that throws, and a manual reload whose file cannot be read', async () => {
    const { service, scrape } = await boot(new Registry());
    service.onReload(() => {
      throw new Error('listener bug');
    });
    await reloader.dir.writeAtomically(config(2));
    const text = await waitFor(
      async () => {
        const scraped = await scrape();
        return valueOf(scraped, 'config_reloader_listener_errors_total', labels) === 1
          ? scraped
          : undefined;
      },
      { description: 'the listener error counted' },
    );
    expect(reloads(text, 'applied')).toBe(1);

    await service.stopWatching();
    await reloader.dir.remove();
    await expect(service.reloadConfig()).rejects.toMatchObject({ code: 'CONFIG_NOT_FOUND' });
    expect(reloads(await scrape(), 'failed')).toBe(1);
  });

  it('counts a staged change vetoed when the last hold ends as rejected', async () => {
    let vetoing = false;
    const registry = new Registry();
    const service = await reloader.boot(config(1), {
      debounceMs: 20,
      verifyIntervalMs: 50,
      beforeApply: () => {
        if (vetoing) throw new Error('positions open on this strategy');
      },
      metrics: prometheusMetrics({ registry }),
    });
    const release = service.hold('open position');
    await reloader.dir.writeAtomically(config(7));
    await waitFor(() => service.getHealth().pending, { description: 'the change staged' });
    vetoing = true;
    release();
    await waitFor(() => service.getHealth().errorCount === 1, { description: 'the veto' });
    const text = await registry.metrics();
    expect(reloads(text, 'staged')).toBe(1);
    expect(reloads(text, 'rejected')).toBe(1);
    expect(reloads(text, 'applied')).toBe(0);
    expect(valueOf(text, 'config_reloader_pending_changes', labels)).toBe(0);
  });

  it('counts a rollback as applied, and nothing for one refused before it started', async () => {
    const { service, scrape } = await boot(new Registry());
    await service.stopWatching();
    await reloader.dir.writeAtomically(config(2));
    await service.reloadConfig();
    await expect(service.rollback(5)).rejects.toMatchObject({ code: 'CONFIG_ROLLBACK' });
    await service.rollback(1);
    const text = await scrape();
    expect(service.version).toBe(3);
    expect(reloads(text, 'applied')).toBe(2);
    expect(reloads(text, 'failed')).toBe(0);
    expect(reloads(text, 'rejected')).toBe(0);
  });

  it('puts a revision or a hash on the info gauge only, and never a secret value', async () => {
    const { service, scrape } = await boot(new Registry());
    expect(await scrape()).toContain(service.getHistory()[0]!.hash);
    await reloader.dir.writeAtomically(config(2));
    await waitFor(() => service.version === 2, { description: 'the change applied' });
    const text = await scrape();
    const marks = service.getHistory().flatMap(({ hash, revision }) => [hash, revision]);
    const carrying = text
      .split('\n')
      .filter(
        (line) => marks.some((mark) => line.includes(mark)) || /\b(revision|hash)=/.test(line),
      );
    expect(carrying).toHaveLength(1); // the info of the config in force, not of an older one
    for (const line of carrying) expect(line).toMatch(/^config_reloader_config_info\{/);
    expect(text).not.toContain(SECRET);
  });
});
