import 'reflect-metadata';
import { EventEmitterModule } from '@nestjs/event-emitter';
import { Test, type TestingModule } from '@nestjs/testing';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigReloaderModule, type ConfigReloaderOptions } from '../../lib/index.js';
import { prometheusMetrics } from '../../lib/metrics/prometheus/index.js';
import { ConfigDir } from '../support/config-dir.js';
import { MemorySource } from '../support/memory.source.js';
import { waitFor } from '../support/wait-for.js';
import { samplesOf, valueOf } from './prometheus-text.js';

describe('prometheusMetrics() with several instances', () => {
  const dirs: ConfigDir[] = [];
  let app: TestingModule | undefined;
  afterEach(async () => {
    await app?.close();
    await Promise.all(dirs.splice(0).map((dir) => dir.dispose()));
    app = undefined;
  });

  async function boot(...instances: ConfigReloaderOptions[]): Promise<TestingModule> {
    app = await Test.createTestingModule({
      imports: [
        EventEmitterModule.forRoot(),
        ...instances.map((options) => ConfigReloaderModule.forRoot(options)),
      ],
    }).compile();
    app.useLogger(false);
    await app.init();
    return app;
  }

  async function fileOptions(name: string, registry: Registry): Promise<ConfigReloaderOptions> {
    const dir = await ConfigDir.create({ owner: name });
    dirs.push(dir);
    return { name, configPath: dir.file, metrics: prometheusMetrics({ registry }) };
  }

  const namesOn = async (registry: Registry, metric: string) =>
    samplesOf(await registry.metrics())
      .filter((sample) => sample.metric === metric)
      .map((sample) => sample.labels.name)
      .sort();

  it('registers once per registry and tells instances apart by name', async () => {
    const shared = new Registry();
    const other = new Registry();
    await boot(
      await fileOptions('alpha', shared),
      await fileOptions('beta', shared),
      await fileOptions('gamma', other),
    );
    expect(await namesOn(shared, 'config_reloader_config_version')).toEqual(['alpha', 'beta']);
    expect(await namesOn(other, 'config_reloader_config_version')).toEqual(['gamma']);
    expect(await namesOn(shared, 'config_reloader_listener_errors_total')).toEqual([
      'alpha',
      'beta',
    ]);
  });

  it('refuses a second instance of the same name on one registry', async () => {
    const registry = new Registry();
    const first = await fileOptions('twin', registry);
    const dir = await ConfigDir.create({});
    dirs.push(dir);
    const metrics = prometheusMetrics({ registry });
    const second = { ...first, configPath: dir.file, metrics };
    // Two modules of one name cannot share an app, so the second comes in an app of its own.
    await boot(first);
    const clash = Test.createTestingModule({
      imports: [EventEmitterModule.forRoot(), ConfigReloaderModule.forRoot(second)],
    }).compile();
    await expect(clash.then((module) => module.init())).rejects.toThrow(
      /another instance named "twin" already reports to this Prometheus registry/,
    );
  });

  it('leaves nothing on the registry once every instance is destroyed', async () => {
    const registry = new Registry();
    await boot(await fileOptions('alpha', registry), await fileOptions('beta', registry));
    expect(registry.getMetricsAsArray().length).toBeGreaterThan(0);
    await app!.close();
    app = undefined;
    expect(registry.getMetricsAsArray()).toEqual([]);
    // Registered again for an instance that comes later.
    await boot(await fileOptions('gamma', registry));
    expect(await namesOn(registry, 'config_reloader_config_version')).toEqual(['gamma']);
  });

  it("labels a custom source 'custom' and shows when it loses its server", async () => {
    const registry = new Registry();
    const source = new MemorySource('bot', '{"risk":1}');
    await boot({ name: 'remote', configSource: source, metrics: prometheusMetrics({ registry }) });
    const labels = { name: 'remote', source: 'custom' };
    const connected = async () =>
      valueOf(await registry.metrics(), 'config_reloader_source_connected', labels);
    expect(await connected()).toBe(1);
    source.setConnected(false);
    await waitFor(async () => (await connected()) === 0, { description: 'source lost' });
    source.setConnected(true);
    await waitFor(async () => (await connected()) === 1, { description: 'source back' });
  });
});
