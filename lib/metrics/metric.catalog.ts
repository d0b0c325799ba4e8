import type { ConfigMetricsState, ConfigReloadResult } from '../interfaces/index.js';

/** Every result a decision can have: each counter series starts at 0, so a rate has a base. */
export const RELOAD_RESULTS: readonly ConfigReloadResult[] = [
  'applied',
  'rejected',
  'failed',
  'staged',
  'unchanged',
];

/** Reloads take milliseconds (a small file) to seconds (a large DTO, a slow veto). */
export const DURATION_BUCKETS_SECONDS = [
  0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
];

/** A gauge read from an instance's state when metrics are collected. */
export interface StateGauge {
  /** The Prometheus name; the OpenTelemetry name is `otel`. */
  prometheus: string;
  otel: string;
  unit?: string;
  help: string;
  value(state: ConfigMetricsState): number;
}

/** The gauges both adapters serve, one value per instance (`config_info` aside). */
export const STATE_GAUGES: readonly StateGauge[] = [
  {
    prometheus: 'config_reloader_last_reload_successful',
    otel: 'config_reloader.last_reload.successful',
    help: '1 unless automatic reloads are failing (getHealth().consecutiveErrors > 0).',
    value: (state) => (state.lastReloadSuccessful ? 1 : 0),
  },
  {
    prometheus: 'config_reloader_last_reload_success_timestamp_seconds',
    otel: 'config_reloader.last_reload.success_time',
    unit: 's',
    help: 'When the config in force was applied, in seconds since the epoch (the initial load counts).',
    value: (state) => state.lastSuccessAt.getTime() / 1000,
  },
  {
    prometheus: 'config_reloader_config_version',
    otel: 'config_reloader.config.version',
    help: 'Version of the config in force: 1 after the initial load, +1 per applied change.',
    value: (state) => state.version,
  },
  {
    prometheus: 'config_reloader_source_connected',
    otel: 'config_reloader.source.connected',
    help: '0 while a remote source cannot reach its server, else 1.',
    value: (state) => (state.sourceConnected ? 1 : 0),
  },
  {
    prometheus: 'config_reloader_pending_changes',
    otel: 'config_reloader.pending_changes',
    help: '1 while a validated change waits for the holds to end, else 0.',
    value: (state) => (state.pending ? 1 : 0),
  },
  {
    prometheus: 'config_reloader_holds',
    otel: 'config_reloader.holds',
    help: 'Holds active now.',
    value: (state) => state.holds,
  },
];

/** The Prometheus names of the metrics that are not state gauges. */
export const PROMETHEUS_NAMES = {
  reloads: 'config_reloader_reloads_total',
  duration: 'config_reloader_reload_duration_seconds',
  listenerErrors: 'config_reloader_listener_errors_total',
  info: 'config_reloader_config_info',
} as const;

/** Their OpenTelemetry names: dots, units apart, no `_total`. */
export const OTEL_NAMES = {
  reloads: 'config_reloader.reloads',
  duration: 'config_reloader.reload.duration',
  listenerErrors: 'config_reloader.listener.errors',
  info: 'config_reloader.config.info',
} as const;

export const HELP = {
  reloads: 'Reload decisions by result: applied, rejected, failed, staged, unchanged.',
  duration: 'Time from reading a change to deciding about it, by result.',
  info: 'Always 1; the revision and content hash of the config in force are its labels.',
  listenerErrors: 'App callbacks, event handlers and listeners that threw or rejected.',
} as const;
