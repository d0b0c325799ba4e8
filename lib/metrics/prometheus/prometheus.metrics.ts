import { register, type Registry } from 'prom-client';
import type { ConfigMetrics } from '../../interfaces/index.js';
import { PrometheusInstruments } from './prometheus.instruments.js';

export interface PrometheusMetricsOptions {
  /**
   * The registry the metrics are registered in.
   * @default prom-client's global `register`, so they show up on the app's existing /metrics
   */
  registry?: Registry;
}

/** One set of metrics per registry, shared by every instance that reports to it. */
const instrumentsByRegistry = new WeakMap<Registry, PrometheusInstruments>();

/**
 * The `metrics` option for Prometheus (prom-client 15): `config_reloader_*` metrics labelled with
 * the instance's `name` and `source`. Call it once per module instance; instances on one registry
 * share its metrics, registered when the first attaches and removed when the last is destroyed.
 */
export function prometheusMetrics({
  registry = register,
}: PrometheusMetricsOptions = {}): ConfigMetrics {
  return {
    attach(instance) {
      let instruments = instrumentsByRegistry.get(registry);
      if (!instruments) {
        instruments = new PrometheusInstruments(registry, () =>
          instrumentsByRegistry.delete(registry),
        );
        instrumentsByRegistry.set(registry, instruments);
      }
      return instruments.attach(instance);
    },
  };
}
