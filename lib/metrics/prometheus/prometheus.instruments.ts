import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { ConfigReloaderOptionsError } from '../../config-reloader.errors.js';
import type { ConfigMetricsInstance, ConfigMetricsRecorder } from '../../interfaces/index.js';
import {
  DURATION_BUCKETS_SECONDS,
  HELP,
  PROMETHEUS_NAMES,
  RELOAD_RESULTS,
  STATE_GAUGES,
} from '../metric.catalog.js';

const INSTANCE_LABELS = ['name', 'source'] as const;
/** What leaves the registry with the last instance: exactly the metrics made here. */
const METRIC_NAMES = [
  ...Object.values(PROMETHEUS_NAMES),
  ...STATE_GAUGES.map((gauge) => gauge.prometheus),
];

/**
 * The metrics of every instance reporting to one registry, registered once and told apart by
 * the `name` label. Gauges are read from each instance's state when the registry is scraped.
 */
export class PrometheusInstruments {
  private readonly instances = new Map<string, ConfigMetricsInstance>();
  private readonly reloads: Counter<'name' | 'source' | 'result'>;
  private readonly duration: Histogram<'name' | 'source' | 'result'>;
  private readonly listenerErrors: Counter<'name' | 'source'>;

  /** `onEmpty`: the last instance detached, and the metrics left the registry. */
  constructor(
    private readonly registry: Registry,
    private readonly onEmpty: () => void,
  ) {
    const registers = [registry];
    this.reloads = new Counter({
      name: PROMETHEUS_NAMES.reloads,
      help: HELP.reloads,
      labelNames: [...INSTANCE_LABELS, 'result'],
      registers,
    });
    this.duration = new Histogram({
      name: PROMETHEUS_NAMES.duration,
      help: HELP.duration,
      labelNames: [...INSTANCE_LABELS, 'result'],
      buckets: DURATION_BUCKETS_SECONDS,
      registers,
    });
    this.listenerErrors = new Counter({
      name: PROMETHEUS_NAMES.listenerErrors,
      help: HELP.listenerErrors,
      labelNames: INSTANCE_LABELS,
      registers,
    });
    const instances = this.instances;
    for (const gauge of STATE_GAUGES) {
      new Gauge({
        name: gauge.prometheus,
        help: gauge.help,
        labelNames: INSTANCE_LABELS,
        registers,
        collect() {
          this.reset(); // a detached instance leaves no series behind
          for (const { name, source, state } of instances.values()) {
            this.set({ name, source }, gauge.value(state()));
          }
        },
      });
    }
    new Gauge({
      name: PROMETHEUS_NAMES.info,
      help: HELP.info,
      labelNames: [...INSTANCE_LABELS, 'revision', 'hash'],
      registers,
      collect() {
        this.reset();
        for (const { name, source, state } of instances.values()) {
          const { revision, hash } = state();
          this.set({ name, source, revision, hash }, 1);
        }
      },
    });
  }

  attach(instance: ConfigMetricsInstance): ConfigMetricsRecorder {
    const { name, source } = instance;
    if (this.instances.has(name)) {
      throw new ConfigReloaderOptionsError(
        name,
        `"metrics": another instance named "${name}" already reports to this Prometheus registry; give each instance its own name`,
      );
    }
    this.instances.set(name, instance);
    for (const result of RELOAD_RESULTS) this.reloads.inc({ name, source, result }, 0);
    this.listenerErrors.inc({ name, source }, 0);
    let attached = true;
    return {
      reload: (result, seconds) => {
        if (!attached) return;
        this.reloads.inc({ name, source, result });
        this.duration.observe({ name, source, result }, seconds);
      },
      listenerError: () => {
        if (attached) this.listenerErrors.inc({ name, source });
      },
      detach: () => {
        if (!attached) return;
        attached = false;
        this.detach(instance);
      },
    };
  }

  private detach({ name, source }: ConfigMetricsInstance): void {
    this.instances.delete(name);
    for (const result of RELOAD_RESULTS) {
      this.reloads.remove({ name, source, result });
      this.duration.remove({ name, source, result });
    }
    this.listenerErrors.remove({ name, source });
    if (this.instances.size > 0) return;
    for (const metric of METRIC_NAMES) this.registry.removeSingleMetric(metric);
    this.onEmpty();
  }
}
