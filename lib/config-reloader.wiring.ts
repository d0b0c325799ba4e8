import { Logger } from '@nestjs/common';
import type { EventEmitter2, EventEmitterReadinessWatcher } from '@nestjs/event-emitter';
import { MIN_SETTLE_MS } from './config-reloader.constants.js';
import type { ResolvedConfigReloaderOptions } from './config-reloader.options.js';
import { messages } from './config-reloader.messages.js';
import { AuditLog } from './notify/audit.log.js';
import { ConfigSelection } from './notify/config.selection.js';
import { ReloadHealthTracker } from './notify/reload-health.tracker.js';
import { ReloadMetricsRecorder } from './notify/reload-metrics.recorder.js';
import { ReloadNotifier } from './notify/reload.notifier.js';
import { ReloadReporter } from './notify/reload.reporter.js';
import { SourceConnectivityReporter } from './notify/source-connectivity.reporter.js';
import { ConfigPipeline, type ConfigValidationRules } from './pipeline/config.pipeline.js';
import { createSecretKeyMatcher } from './change/secret-redaction.js';
import { ReloadCoordinator } from './reload/reload.coordinator.js';
import { ReloadFailureGate } from './reload/reload-failure.gate.js';
import { WatchController } from './reload/watch.controller.js';
import type { ConfigSource } from './interfaces/config-source.interface.js';
import type { WatchFunction } from './sources/file/directory.watcher.js';
import { FileSource } from './sources/file/file.source.js';
import { HoldRegistry } from './store/config-hold.registry.js';
import { ConfigStore } from './store/config.store.js';

/**
 * How long a source must stay still after a failed read before the failure is reported: a slow
 * writer (a copy over a network disk) pauses between chunks, and its half-written file is not
 * an operator's mistake. Failures are not latency-critical; a false alarm is worse.
 */
const MIN_FAILURE_GRACE_MS = 250;

export interface ConfigReloaderDependencies {
  /** chokidar's `watch` (or a test's), for the file source `configPath` stands for. */
  watch: WatchFunction;
  events?: EventEmitter2;
  readiness?: EventEmitterReadinessWatcher;
}

/** The pieces behind one `ConfigReloaderService`, each with one job. */
export interface ReloaderParts<T extends object> {
  logger: Logger;
  source: ConfigSource;
  events: EventEmitter2 | undefined;
  store: ConfigStore<T>;
  holds: HoldRegistry;
  health: ReloadHealthTracker;
  notifier: ReloadNotifier<T>;
  selection: ConfigSelection<T>;
  coordinator: ReloadCoordinator<T>;
  watching: WatchController;
  /** Parses and validates; holds the parse worker of large documents, ended on destroy. */
  pipeline: ConfigPipeline<T>;
  /** Attached to the app's metrics backend after the initial load, detached on destroy. */
  metrics: ReloadMetricsRecorder;
}

/** Builds the parts of one instance from its options and connects them. */
export function wireReloader<T extends object>(
  options: ResolvedConfigReloaderOptions<T>,
  rules: ConfigValidationRules<T>,
  { watch, events, readiness }: ConfigReloaderDependencies,
): ReloaderParts<T> {
  const { name, debounceMs, verifyIntervalMs } = options;
  const logger = new Logger('ConfigReloader');
  // A change is read again once the source stayed still this long (a writer may still be busy),
  // and a failure is reported only after the longer grace: both follow the debounce. A source
  // written whole has no half-written versions to wait out.
  const settleMs = Math.max(debounceMs, MIN_SETTLE_MS);
  const source = sourceFor(options, watch, settleMs, logger);
  const failureGraceMs = source.atomicWrites ? 0 : Math.max(debounceMs, MIN_FAILURE_GRACE_MS);
  const where = options.configPath ?? source.id;
  const failures = new ReloadFailureGate(failureGraceMs);
  const store = new ConfigStore<T>(options.historySize);
  const health = new ReloadHealthTracker();
  const metrics = new ReloadMetricsRecorder(options.metrics);
  const holds = new HoldRegistry(name, logger, () => coordinator.releaseStaged());
  const notifier = new ReloadNotifier<T>({
    name,
    logger,
    events,
    readiness,
    onReload: options.onReload,
    onError: options.onError,
    onListenerError: () => metrics.listenerFailed(),
  });
  const selection = new ConfigSelection<T>((kind, call) => notifier.isolate(kind, call));
  const reporter = new ReloadReporter<T>({
    name,
    where,
    logger,
    source,
    notifier,
    selection,
    health,
    metrics,
    auditLog: options.auditLogPath
      ? new AuditLog(options.auditLogPath, (message) => logger.warn(message))
      : undefined,
    auditFailure: options.auditFailure,
    isSecretKey: createSecretKeyMatcher(options.secretKeys),
    validation: messages.validation(
      options.schemaPath,
      options.schema === 'fromDto' ? 'fromDto' : rules.schema !== undefined,
      rules.dto?.name,
    ),
  });
  const pipeline = new ConfigPipeline<T>(rules, where);
  const coordinator = new ReloadCoordinator<T>({
    name,
    where,
    source,
    pipeline,
    store,
    holds,
    reporter,
    health,
    failures,
    metrics,
    beforeApply: options.beforeApply,
  });
  const connectivity = new SourceConnectivityReporter({ name, where, health, logger });
  const watching = new WatchController({
    name,
    where,
    source,
    coordinator,
    failures,
    logger,
    debounceMs,
    settleMs,
    verifyIntervalMs,
    onConnectivity: (state, cause) => {
      if (state === 'lost') connectivity.lost(store.applied.version, cause);
      else connectivity.back(state === 'back');
    },
    onCanaryAborted: (abort) => void reporter.canaryAborted(abort, store.applied.version),
  });
  return {
    logger,
    source,
    events,
    store,
    holds,
    health,
    notifier,
    selection,
    coordinator,
    watching,
    pipeline,
    metrics,
  };
}

/** The `configSource` given, or the file source that `configPath` stands for. */
function sourceFor<T extends object>(
  options: ResolvedConfigReloaderOptions<T>,
  watch: WatchFunction,
  settleMs: number,
  logger: Logger,
): ConfigSource {
  if (options.configSource) return options.configSource;
  return new FileSource(options.configPath!, {
    relativePath: options.relativePaths.configPath,
    overlays: options.overlays,
    maxFileBytes: options.maxFileBytes,
    filePermissions: options.filePermissions,
    usePolling: options.usePolling,
    pollingIntervalMs: options.pollingIntervalMs,
    verifyIntervalMs: options.verifyIntervalMs,
    settleMs,
    watch,
    onWarning: (message) => logger.warn(`[${options.name}] ${message}`),
  });
}
