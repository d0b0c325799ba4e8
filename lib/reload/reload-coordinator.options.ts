import type { ReloadHealthTracker } from '../notify/reload-health.tracker.js';
import type { ReloadMetricsRecorder } from '../notify/reload-metrics.recorder.js';
import type { ReloadReporter } from '../notify/reload.reporter.js';
import type { ConfigPipeline } from '../pipeline/config.pipeline.js';
import type { ConfigSource } from '../interfaces/config-source.interface.js';
import type { HoldRegistry } from '../store/config-hold.registry.js';
import type { ConfigStore } from '../store/config.store.js';
import type { ReloadFailureGate } from './reload-failure.gate.js';

/** The parts the one reload path works with, as the wiring hands them over. */
export interface ReloadCoordinatorOptions<T extends object> {
  name: string;
  /** Where the config comes from, for messages: the file path or the source id. */
  where: string;
  source: ConfigSource;
  pipeline: ConfigPipeline<T>;
  store: ConfigStore<T>;
  holds: HoldRegistry;
  reporter: ReloadReporter<T>;
  health: ReloadHealthTracker;
  failures: ReloadFailureGate;
  /** Times and counts each decision for the app's metrics backend. */
  metrics: ReloadMetricsRecorder;
  beforeApply?: (next: Readonly<T>, current: Readonly<T>) => void | Promise<void>;
}
