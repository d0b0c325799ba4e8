import { metrics, type MeterProvider } from '@opentelemetry/api';
import type { ConfigMetrics } from '../../interfaces/index.js';
import { OpenTelemetryInstruments } from './opentelemetry.instruments.js';

export interface OpenTelemetryMetricsOptions {
  /**
   * Where the meter comes from.
   * @default the global provider, `metrics.getMeterProvider()`, looked up when an instance attaches
   */
  meterProvider?: MeterProvider;
}

/** The meter's name: the instrumentation scope of every instrument. */
const METER_NAME = 'nestjs-config-reloader';

/** One set of instruments per provider, shared by every instance that reports to it. */
const instrumentsByProvider = new WeakMap<MeterProvider, OpenTelemetryInstruments>();

/**
 * The `metrics` option for OpenTelemetry (@opentelemetry/api 1.x only, as libraries should):
 * `config_reloader.*` instruments with the attributes `name` and `source`. Call it once per module
 * instance; instances on one provider share its instruments.
 */
export function openTelemetryMetrics({
  meterProvider,
}: OpenTelemetryMetricsOptions = {}): ConfigMetrics {
  return {
    attach(instance) {
      // Looked up now, not at import: the app may register its SDK after importing this.
      const provider = meterProvider ?? metrics.getMeterProvider();
      let instruments = instrumentsByProvider.get(provider);
      if (!instruments) {
        instruments = new OpenTelemetryInstruments(provider.getMeter(METER_NAME));
        instrumentsByProvider.set(provider, instruments);
      }
      return instruments.attach(instance);
    },
  };
}
