import { performance } from 'node:perf_hooks';
import { asReloadError, type ConfigReloadError } from '../config-reloader.errors.js';
import type {
  ConfigMetrics,
  ConfigMetricsInstance,
  ConfigMetricsRecorder,
  ConfigReloadResult,
} from '../interfaces/index.js';

/** Codes of a content that was refused; every other failure is one of reading or recording. */
const REFUSED_CONTENT = new Set([
  'CONFIG_PARSE',
  'CONFIG_VALIDATION',
  'CONFIG_REJECTED',
  'CONFIG_TOO_LARGE',
]);

/**
 * Times each decision of the reload path and hands it to the app's metrics backend, if any.
 * Nothing is counted before the instance attaches (after its initial load) or after it detaches.
 */
export class ReloadMetricsRecorder {
  private recorder: ConfigMetricsRecorder | undefined;
  private startedAt = 0;
  /** How long the attempt that ended in each error took: a watched failure is reported later. */
  private readonly failedAfter = new WeakMap<ConfigReloadError, number>();

  constructor(private readonly metrics: ConfigMetrics | undefined) {}

  attach(instance: ConfigMetricsInstance): void {
    this.recorder ??= this.metrics?.attach(instance);
  }

  detach(): void {
    this.recorder?.detach();
    this.recorder = undefined;
  }

  /** An attempt begins: its decision is timed from here. */
  started(): void {
    if (this.recorder) this.startedAt = performance.now();
  }

  /** The attempt ended in `error`, which may be reported later (after the failure grace). */
  ended(error: ConfigReloadError): void {
    if (this.recorder) this.failedAfter.set(error, this.elapsed());
  }

  decided(result: ConfigReloadResult): void {
    this.recorder?.reload(result, this.elapsed());
  }

  /** A failure is reported: refused content is `rejected`, anything else `failed`. */
  failed(error: ConfigReloadError): void {
    const result = REFUSED_CONTENT.has(error.code) ? 'rejected' : 'failed';
    this.recorder?.reload(result, this.failedAfter.get(error) ?? this.elapsed());
  }

  /**
   * Runs `reloadConfig()` or `rollback()`: a rejection is a decision too, counted by its code,
   * except a rollback refused before anything was read or written (no such version).
   */
  async counting<R>(task: () => Promise<R>, where: string): Promise<R> {
    this.started();
    try {
      return await task();
    } catch (error) {
      const failure = asReloadError(error, where);
      if (failure.code !== 'CONFIG_ROLLBACK') this.failed(failure);
      throw error;
    }
  }

  listenerFailed(): void {
    this.recorder?.listenerError();
  }

  private elapsed(): number {
    return (performance.now() - this.startedAt) / 1000;
  }
}
