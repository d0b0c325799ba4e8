import type { Logger } from '@nestjs/common';
import {
  ConfigReloaderClosedError,
  describeError,
  type ConfigReloadError,
} from '../config-reloader.errors.js';
import { messages } from '../config-reloader.messages.js';
import type {
  CanaryAbortNotice,
  ConfigSource,
  SourceListener,
  SourceSnapshot,
  SourceWatch,
} from '../interfaces/config-source.interface.js';
import type { ReloadCoordinator } from './reload.coordinator.js';
import type { ReloadFailureGate } from './reload-failure.gate.js';
import { ReloadScheduler } from './reload.scheduler.js';

export interface WatchControllerOptions {
  name: string;
  /** Where the config comes from, for messages: the file path or the source id. */
  where: string;
  source: ConfigSource;
  /** The reload path: what watching asks of it. */
  coordinator: Pick<ReloadCoordinator<object>, 'reloadFromWatch' | 'reportFailure' | 'trial'>;
  failures: ReloadFailureGate;
  logger: Logger;
  debounceMs: number;
  /** Delay of the quiet check after each reload (reports a failure that waited long enough). */
  settleMs: number;
  verifyIntervalMs: number;
  /**
   * A remote source lost or regained its server while watching, or watching stopped, so that
   * nobody knows any more ('unknown').
   */
  onConnectivity?: (state: 'lost' | 'back' | 'unknown', cause?: ConfigReloadError) => void;
  /** The source aborted a canary this instance rejected: audited and logged. */
  onCanaryAborted?: (abort: CanaryAbortNotice) => void;
}

/**
 * Turns the source's change signals into reloads: starts and stops the source's watch, runs the
 * scheduler (debounce, one reload in flight, reruns), and, when the source is quiet, reports a
 * failure that waited long enough or judges a vetoed change again. Each start is a generation:
 * whatever an older generation still has in flight is dropped.
 */
export class WatchController {
  private watch: SourceWatch | undefined;
  private scheduler: ReloadScheduler | undefined;
  private abort: AbortController | undefined;
  private starting: Promise<void> | undefined;
  /** The document the source handed over with its latest signal, if it did. */
  private handed: SourceSnapshot | undefined;
  private generation = 0;
  private closed = false;
  /** Watching was stopped with `stopWatching()`, so its absence is no health problem. */
  stoppedOnPurpose = false;

  constructor(private readonly options: WatchControllerOptions) {}

  get isWatching(): boolean {
    return this.watch?.active === true;
  }

  /** How the source follows changes while watching (file: 'native' or 'polling'). */
  get mode(): string | null {
    return this.isWatching ? (this.watch?.mode ?? 'watch') : null;
  }

  start(): Promise<void> {
    if (this.closed) {
      return Promise.reject(new ConfigReloaderClosedError(this.options.name, this.options.where));
    }
    this.stoppedOnPurpose = false;
    this.starting ??= this.startGeneration().finally(() => {
      this.starting = undefined;
    });
    return this.starting;
  }

  /** Stops watching; resolves once no watch, timer or reload of it remains. */
  async stop(): Promise<void> {
    this.stoppedOnPurpose = true;
    const starting = this.starting;
    await this.endGeneration();
    // A start in flight was aborted above; let it release what it had begun.
    await starting?.catch(() => undefined);
  }

  /** Module destroy: stops for good. */
  async close(): Promise<void> {
    this.closed = true;
    await this.stop();
  }

  private async startGeneration(): Promise<void> {
    if (this.scheduler) return;
    const { source, coordinator, logger, name, where } = this.options;
    const generation = this.generation;
    const isCurrent = () => generation === this.generation;
    const scheduler = new ReloadScheduler({
      debounceMs: this.options.debounceMs,
      settleMs: this.options.settleMs,
      verifyIntervalMs: this.options.verifyIntervalMs,
      reload: async () => {
        const handed = this.handed;
        this.handed = undefined;
        await coordinator.reloadFromWatch(handed, isCurrent);
        // Written whole: a failure has no writer to wait for, so it is reported now.
        if (source.atomicWrites) await this.reportDueFailure(isCurrent);
      },
      verify: () => this.whenQuiet(isCurrent),
      onError: (error) => logger.error(messages.watcherError(name, where, describeError(error))),
    });
    const abort = new AbortController();
    this.scheduler = scheduler;
    this.abort = abort;
    const listener: SourceListener = {
      changed: (snapshot) => {
        if (!isCurrent()) return;
        this.handed = snapshot; // a signal without the document means "read it"
        scheduler.requestReload();
      },
      error: (error) => {
        if (isCurrent()) logger.warn(messages.watcherError(name, where, describeError(error)));
      },
      connectivity: (connected, cause) => {
        if (isCurrent()) this.options.onConnectivity?.(connected ? 'back' : 'lost', cause);
      },
      // A watch that stopped judges nothing more: its source is closing, or being replaced.
      trial: (text) =>
        isCurrent()
          ? coordinator.trial(text)
          : Promise.reject(new ConfigReloaderClosedError(name, where)),
      // Written to etcd already: audited even when watching stopped meanwhile.
      canaryAborted: (abort) => this.options.onCanaryAborted?.(abort),
    };
    let watch: SourceWatch;
    try {
      watch = await source.watch(listener, abort.signal);
    } catch (error) {
      if (!isCurrent()) return; // stopped meanwhile: the abort explains the failure
      await this.endGeneration();
      throw error;
    }
    if (!isCurrent()) {
      await watch.close();
      return;
    }
    this.watch = watch;
    scheduler.start();
  }

  private async endGeneration(): Promise<void> {
    this.generation++;
    const { scheduler, watch, abort } = this;
    this.scheduler = this.watch = this.abort = this.handed = undefined;
    abort?.abort();
    this.options.failures.dropPending();
    if (scheduler) this.options.onConnectivity?.('unknown');
    await scheduler?.stop();
    await watch?.close();
  }

  /** The source is quiet: report a failure that waited long enough, or judge a veto again. */
  private async whenQuiet(isCurrent: () => boolean): Promise<void> {
    if (!isCurrent()) return;
    await this.reportDueFailure(isCurrent);
    const { failures, verifyIntervalMs } = this.options;
    if (failures.shouldJudgeVetoAgain(verifyIntervalMs)) this.scheduler?.requestReload();
  }

  /** Reports a failure that waited long enough; asks to look again when one still waits. */
  private async reportDueFailure(isCurrent: () => boolean): Promise<void> {
    if (!isCurrent()) return;
    const due = this.options.failures.due();
    if (due && 'report' in due) {
      await this.options.coordinator.reportFailure(due.report, 'watch', due.snapshot);
    } else if (due) this.scheduler?.checkAfter(due.waitMs);
  }
}
