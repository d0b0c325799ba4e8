import 'reflect-metadata';
import {
  AggregationTemporality,
  MeterProvider,
  MetricReader,
  type ResourceMetrics,
} from '@opentelemetry/sdk-metrics';
import { describe, expect, it } from 'vitest';
import { openTelemetryMetrics } from '../../lib/metrics/opentelemetry/index.js';
import { reloaderPerTest } from '../support/reloader-app.js';
import { waitFor } from '../support/wait-for.js';

/** A reader that collects when asked, as a test wants. */
class OnDemandReader extends MetricReader {
  protected async onForceFlush(): Promise<void> {}
  protected async onShutdown(): Promise<void> {}
}

interface Point {
  attributes: Record<string, unknown>;
  value: unknown;
}

/** The points of the instrument `name` in one collection, with its unit. */
function instrument(metrics: ResourceMetrics, name: string): { unit: string; points: Point[] } {
  for (const scope of metrics.scopeMetrics) {
    for (const metric of scope.metrics) {
      if (metric.descriptor.name === name) {
        return { unit: metric.descriptor.unit, points: metric.dataPoints as Point[] };
      }
    }
  }
  return { unit: '', points: [] };
}

const SECRET = 'sk_live_5e1b_never_on_a_metric';
const config = (risk: number) => ({ risk, exchange: { apiKey: SECRET } });

describe('openTelemetryMetrics()', () => {
  const reloader = reloaderPerTest<ReturnType<typeof config>>();

  it('reports decisions, durations and the state health shows, with the names and units of the design', async () => {
    const reader = new OnDemandReader();
    const meterProvider = new MeterProvider({ readers: [reader] });
    const service = await reloader.boot(config(1), {
      debounceMs: 20,
      verifyIntervalMs: 50,
      metrics: openTelemetryMetrics({ meterProvider }),
    });
    const collect = async () => (await reader.collect()).resourceMetrics;
    const value = async (name: string, attributes: Record<string, string> = {}) => {
      const { points } = instrument(await collect(), name);
      const found = points.filter((point) =>
        Object.entries({ name: 'default', source: 'file', ...attributes }).every(
          ([key, wanted]) => point.attributes[key] === wanted,
        ),
      );
      return found.length === 1 ? found[0]!.value : undefined;
    };

    expect(await value('config_reloader.config.version')).toBe(1);
    expect(await value('config_reloader.reloads', { result: 'applied' })).toBe(0);

    await reloader.dir.writeAtomically(config(2));
    await waitFor(() => service.version === 2, { description: 'the good file applied' });
    await reloader.dir.writeAtomically('{ "risk": ');
    await waitFor(() => service.getHealth().consecutiveErrors === 1, {
      description: 'the bad file reported',
    });
    expect(await value('config_reloader.last_reload.successful')).toBe(0);
    // A watcher may report one write twice, so the good file may have counted 'unchanged' already.
    const unchanged = async () =>
      (await value('config_reloader.reloads', { result: 'unchanged' })) as number;
    const unchangedBefore = await unchanged();
    await reloader.dir.writeAtomically(config(2));
    await waitFor(async () => (await unchanged()) > unchangedBefore, {
      description: 'the equal file counted',
    });

    const metrics = await collect();
    expect(await value('config_reloader.reloads', { result: 'applied' })).toBe(1);
    expect(await value('config_reloader.reloads', { result: 'rejected' })).toBe(1);
    expect(await value('config_reloader.last_reload.successful')).toBe(1);
    expect(await value('config_reloader.config.version')).toBe(2);
    const inForce = service.getHistory().at(-1)!;
    expect(
      await value('config_reloader.config.info', {
        revision: inForce.revision,
        hash: inForce.hash,
      }),
    ).toBe(1);
    expect(await value('config_reloader.last_reload.success_time')).toBe(
      inForce.loadedAt.getTime() / 1000,
    );
    expect(await value('config_reloader.source.connected')).toBe(1);
    expect(await value('config_reloader.pending_changes')).toBe(0);
    expect(await value('config_reloader.holds')).toBe(0);
    expect(await value('config_reloader.listener.errors')).toBe(0);
    const duration = instrument(metrics, 'config_reloader.reload.duration');
    expect(duration.unit).toBe('s');
    const appliedDuration = duration.points.find((point) => point.attributes.result === 'applied');
    expect(appliedDuration?.value).toMatchObject({ count: 1 });
    expect(instrument(metrics, 'config_reloader.reloads').unit).toBe('{reload}');
    expect(instrument(metrics, 'config_reloader.last_reload.success_time').unit).toBe('s');
    for (const name of ['config_reloader.reloads', 'config_reloader.reload.duration']) {
      for (const point of instrument(metrics, name).points) {
        expect(Object.keys(point.attributes).sort()).toEqual(['name', 'result', 'source']);
      }
    }
    expect(JSON.stringify(metrics)).not.toContain(SECRET);

    await meterProvider.shutdown();
  });

  it('stops observing an instance once its module is destroyed', async () => {
    // Delta: a collection holds only what was observed for it, not the series seen before.
    const reader = new OnDemandReader({
      aggregationTemporalitySelector: () => AggregationTemporality.DELTA,
    });
    const meterProvider = new MeterProvider({ readers: [reader] });
    await reloader.boot(config(1), { metrics: openTelemetryMetrics({ meterProvider }) });
    const versions = async () =>
      instrument((await reader.collect()).resourceMetrics, 'config_reloader.config.version').points;
    expect(await versions()).toHaveLength(1);
    await reloader.close();
    expect(await versions()).toEqual([]);
    await meterProvider.shutdown();
  });

  it('refuses a second instance of one name on a provider until the first detaches', async () => {
    const meterProvider = new MeterProvider({ readers: [new OnDemandReader()] });
    const metrics = openTelemetryMetrics({ meterProvider });
    const state = () => ({
      version: 1,
      revision: 'r1',
      hash: 'h1',
      lastReloadSuccessful: true,
      lastSuccessAt: new Date(0),
      sourceConnected: true,
      pending: false,
      holds: 0,
    });
    const first = metrics.attach({ name: 'twin', source: 'custom', state });
    expect(() => metrics.attach({ name: 'twin', source: 'custom', state })).toThrow(
      /another instance named "twin" already reports to this meter provider/,
    );
    first.detach();
    metrics.attach({ name: 'twin', source: 'custom', state }).detach();
    await meterProvider.shutdown();
  });
});
