/**
 * What the reload path decided about one change: `applied`; `rejected` (the content was refused:
 * parse, schema, DTO, veto, too large); `failed` (it could not be read or recorded: not found,
 * access, unavailable, audit); `staged` (valid, waiting for the holds to end); `unchanged` (equal
 * to the config in force).
 */
export type ConfigReloadResult = 'applied' | 'rejected' | 'failed' | 'staged' | 'unchanged';

/** Where an instance's config lives, as metrics label it. */
export type ConfigSourceKind = 'file' | 'etcd' | 'custom';

/**
 * One instance's state, read when metrics are collected from the same figures `getHealth()`
 * reads, so that the two never disagree.
 */
export interface ConfigMetricsState {
  version: number;
  /** The source's revision of the config in force (the file source: its content hash). */
  revision: string;
  /** sha256 of the config in force, hex. */
  hash: string;
  /** False while automatic reloads fail (`getHealth().consecutiveErrors > 0`). */
  lastReloadSuccessful: boolean;
  /** When the config in force was applied; the initial load counts. */
  lastSuccessAt: Date;
  /** False while a remote source cannot reach its server (`getHealth().unavailableSince`). */
  sourceConnected: boolean;
  /** A validated change waits for the holds to end. */
  pending: boolean;
  /** How many holds are active. */
  holds: number;
}

/** One module instance, as it attaches to a metrics backend. */
export interface ConfigMetricsInstance {
  /** The instance's `name` option. */
  name: string;
  source: ConfigSourceKind;
  /** Reads the state now; called at scrape or collection time. */
  state(): ConfigMetricsState;
}

/** What an attached instance reports as it runs; every call must be cheap and must not throw. */
export interface ConfigMetricsRecorder {
  /** One decision of the reload path, with how long it took from the read to the decision. */
  reload(result: ConfigReloadResult, durationSeconds: number): void;
  /** An app's callback, event handler or listener threw or rejected. */
  listenerError(): void;
  /** The module is destroyed: drop the instance's series and callbacks. */
  detach(): void;
}

/**
 * The `metrics` option: a backend the module reports to (`prometheusMetrics()` from
 * `nestjs-config-reloader/prometheus`, `openTelemetryMetrics()` from
 * `nestjs-config-reloader/opentelemetry`, or your own). The core loads no metrics library.
 */
export interface ConfigMetrics {
  /** Called once per instance after its initial load; may throw to refuse it (a duplicate name). */
  attach(instance: ConfigMetricsInstance): ConfigMetricsRecorder;
}
