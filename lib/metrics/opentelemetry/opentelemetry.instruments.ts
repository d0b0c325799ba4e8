import type {
  Attributes,
  BatchObservableCallback,
  Counter,
  Histogram,
  Meter,
  ObservableGauge,
} from '@opentelemetry/api';
import { ConfigReloaderOptionsError } from '../../config-reloader.errors.js';
import type { ConfigMetricsInstance, ConfigMetricsRecorder } from '../../interfaces/index.js';
import {
  DURATION_BUCKETS_SECONDS,
  HELP,
  OTEL_NAMES,
  RELOAD_RESULTS,
  STATE_GAUGES,
  type StateGauge,
} from '../metric.catalog.js';

/**
 * The instruments of one meter, shared by every instance that reports to it and told apart by
 * the `name` attribute. Each instance observes its gauges through a callback of its own,
 * removed when it detaches.
 */
export class OpenTelemetryInstruments {
  private readonly names = new Set<string>();
  private readonly reloads: Counter;
  private readonly duration: Histogram;
  private readonly listenerErrors: Counter;
  private readonly gauges: [StateGauge, ObservableGauge][];
  private readonly info: ObservableGauge;

  constructor(private readonly meter: Meter) {
    this.reloads = meter.createCounter(OTEL_NAMES.reloads, {
      unit: '{reload}',
      description: HELP.reloads,
    });
    this.duration = meter.createHistogram(OTEL_NAMES.duration, {
      unit: 's',
      description: HELP.duration,
      advice: { explicitBucketBoundaries: DURATION_BUCKETS_SECONDS },
    });
    this.listenerErrors = meter.createCounter(OTEL_NAMES.listenerErrors, {
      unit: '{error}',
      description: HELP.listenerErrors,
    });
    this.gauges = STATE_GAUGES.map((gauge) => [
      gauge,
      meter.createObservableGauge(gauge.otel, { unit: gauge.unit, description: gauge.help }),
    ]);
    this.info = meter.createObservableGauge(OTEL_NAMES.info, { description: HELP.info });
  }

  attach(instance: ConfigMetricsInstance): ConfigMetricsRecorder {
    const { name, source } = instance;
    if (this.names.has(name)) {
      throw new ConfigReloaderOptionsError(
        name,
        `"metrics": another instance named "${name}" already reports to this meter provider; give each instance its own name`,
      );
    }
    this.names.add(name);
    const attributes: Attributes = { name, source };
    const observables = [...this.gauges.map(([, gauge]) => gauge), this.info];
    const observe: BatchObservableCallback = (observer) => {
      const state = instance.state();
      for (const [gauge, observable] of this.gauges) {
        observer.observe(observable, gauge.value(state), attributes);
      }
      const { revision, hash } = state;
      observer.observe(this.info, 1, { ...attributes, revision, hash });
    };
    this.meter.addBatchObservableCallback(observe, observables);
    for (const result of RELOAD_RESULTS) this.reloads.add(0, { ...attributes, result });
    this.listenerErrors.add(0, attributes);
    let attached = true;
    return {
      reload: (result, seconds) => {
        if (!attached) return;
        this.reloads.add(1, { ...attributes, result });
        this.duration.record(seconds, { ...attributes, result });
      },
      listenerError: () => {
        if (attached) this.listenerErrors.add(1, attributes);
      },
      detach: () => {
        if (!attached) return;
        attached = false;
        this.meter.removeBatchObservableCallback(observe, observables);
        this.names.delete(name);
      },
    };
  }
}
