import type { Logger } from '@nestjs/common';
import {
  ConfigAuditError,
  ConfigRejectedError,
  type ConfigReloadError,
} from '../config-reloader.errors.js';
import { messages } from '../config-reloader.messages.js';
import { redactChanges, redactedPathsOf, type ConfigChange } from '../change/config.diff.js';
import type { SecretKeyMatcher } from '../change/secret-redaction.js';
import type {
  CanaryAbortNotice,
  ConfigSource,
  SourceSnapshot,
} from '../interfaces/config-source.interface.js';
import type { AppliedVersion } from '../store/config.store.js';
import type { ReloadSource } from '../interfaces/index.js';
import { escapeControlCharacters } from '../change/printable.js';
import type { AuditLog } from './audit.log.js';
import { AuditWriter } from './audit.writer.js';
import type { ReloadHealthTracker } from './reload-health.tracker.js';
import type { ReloadMetricsRecorder } from './reload-metrics.recorder.js';
import type { ConfigSelection } from './config.selection.js';
import type { ReloadNotifier } from './reload.notifier.js';
import { SourceOutcomeTeller } from './source-outcome.teller.js';

export interface ReloadReporterOptions<T> {
  name: string;
  /** Where the config comes from, for messages: the file path or the source id. */
  where: string;
  logger: Logger;
  source: ConfigSource;
  notifier: ReloadNotifier<T>;
  /** The stream behind `select()`: every applied version, announced or not. */
  selection: ConfigSelection<T>;
  health: ReloadHealthTracker;
  /** Counts each decision for the app's metrics backend. */
  metrics: ReloadMetricsRecorder;
  auditLog: AuditLog | undefined;
  /** 'refuse': a change whose audit record cannot be written is not applied. */
  auditFailure: 'warn' | 'refuse';
  isSecretKey: SecretKeyMatcher;
  /** Which checks every config goes through, for the load line: `validated by DTO BotConfig`. */
  validation: string;
}

/** An applied (or about to be applied) change, as the reporter describes it. */
export interface AppliedChange<T> {
  previous: AppliedVersion<T> | undefined;
  next: AppliedVersion<T>;
  changes: ConfigChange[];
  trigger: ReloadSource | 'initial';
  rolledBackTo?: number;
}

/**
 * Tells everyone what became of a change: the audit log (written before anyone else hears of
 * it), health, the log, the app's handlers and the source itself (fleet status, caches).
 */
export class ReloadReporter<T> {
  /** What the source hears of each change. */
  private readonly source: SourceOutcomeTeller;
  private readonly audit: AuditWriter;

  constructor(private readonly options: ReloadReporterOptions<T>) {
    this.source = new SourceOutcomeTeller(options.name, options.source, options.logger);
    this.audit = new AuditWriter(options);
  }

  /**
   * Appends the audit record of a change about to be applied; called before the swap. Throws
   * `ConfigAuditError` when the record cannot be written and the policy is 'refuse'.
   */
  async recordApplied(change: AppliedChange<T>, origin?: SourceSnapshot['origin']): Promise<void> {
    const { next, previous, trigger, rolledBackTo, changes } = change;
    await this.audit.append(
      {
        event: previous ? 'reloaded' : 'loaded',
        source: trigger,
        version: next.version,
        previousVersion: previous?.version,
        rolledBackTo,
        hash: next.hash,
        ...origin,
        variant: next.variant,
        changes: redactChanges(changes, this.options.isSecretKey),
      },
      this.options.auditFailure === 'refuse',
    );
  }

  /** The change is in force: health, log, handlers (unless silenced), source. */
  applied(change: AppliedChange<T>, notify: boolean): void {
    const { next, previous, changes, trigger } = change;
    const { name, health, logger, notifier, selection, where, validation, isSecretKey } =
      this.options;
    selection.publish(next.config);
    if (!previous) logger.log(messages.loaded(name, next.version, where, validation));
    else {
      // Key names below a secret key are secret too: `apiTokens.[REDACTED]`.
      const changedPaths = redactedPathsOf(changes, isSecretKey);
      health.applied(next.loadedAt);
      this.options.metrics.decided('applied');
      logger.log(messages.applied(name, next.version, changedPaths));
      if (notify && trigger !== 'initial') {
        notifier.reloaded({
          name,
          newConfig: next.config,
          oldConfig: previous.config,
          version: next.version,
          previousVersion: previous.version,
          timestamp: next.loadedAt,
          changes: changedPaths,
          source: trigger,
        });
      }
    }
    this.source.tell({
      state: 'applied',
      version: next.version,
      revision: next.revision,
      hash: next.hash,
      text: next.text,
      variant: next.variant,
    });
  }

  /** The content in force is back at the source, maybe at a new revision (see the teller). */
  unchanged(applied: AppliedVersion<T>): void {
    this.options.metrics.decided('unchanged');
    this.source.unchanged(applied);
  }

  /** The same content came back at another revision: the decision is told again. */
  sameDecision(snapshot: SourceSnapshot): void {
    this.source.sameDecision(snapshot);
  }

  /**
   * The source is good again after `failures` reported failures; `state` says how: a version
   * applied, a change staged, or the applied content back at the source.
   */
  recovered(failures: number, state: string): void {
    const { name, where, logger } = this.options;
    logger.log(messages.recovered(name, where, failures, state));
  }

  /** A validated change waits for the holds to end. */
  staged(snapshot: SourceSnapshot, currentVersion: number, holds: readonly string[]): void {
    this.options.logger.log(messages.staged(this.options.name, holds));
    this.options.metrics.decided('staged');
    this.source.tell({
      state: 'staged',
      version: currentVersion,
      revision: snapshot.revision,
      hash: snapshot.hash,
      variant: snapshot.variant,
    });
  }

  /** A change failed and is reported: health, log, audit, handlers, source. Never throws. */
  async failed(
    error: ConfigReloadError,
    trigger: ReloadSource,
    currentVersion: number,
    snapshot?: SourceSnapshot,
  ): Promise<void> {
    const { name, health, logger, notifier } = this.options;
    const at = new Date();
    health.failed(error, at);
    this.options.metrics.failed(error);
    logger.error(messages.reloadFailed(name, trigger, error.message));
    const summary = { code: error.code, message: error.message };
    const failure = { event: 'reload_failed', source: trigger, version: currentVersion } as const;
    await this.audit
      .append({ ...failure, variant: snapshot?.variant, error: summary }, false)
      .catch(() => undefined);
    notifier.failed({
      name,
      error,
      timestamp: at,
      source: trigger,
      consecutiveErrors: health.consecutive,
    });
    if (snapshot) {
      // A veto depends on the world and is judged again; a refused content is final.
      const judgedAgain = error instanceof ConfigRejectedError || error instanceof ConfigAuditError;
      this.source.tell({
        state: judgedAgain ? 'vetoed' : 'rejected',
        version: currentVersion,
        revision: snapshot.revision,
        hash: snapshot.hash,
        error: summary,
        variant: snapshot.variant,
      });
    } else this.source.readFailed(currentVersion, summary); // it knows what it read
  }

  /**
   * A failed change was judged again with the same outcome, maybe at a new revision: the source
   * hears it, also when no document could be made of it.
   */
  failedAgain(error: ConfigReloadError, currentVersion: number, snapshot?: SourceSnapshot): void {
    if (snapshot) this.source.sameDecision(snapshot);
    else this.source.readFailed(currentVersion, { code: error.code, message: error.message });
  }

  /** The source marked a canary aborted because this instance rejected it: log and audit. */
  async canaryAborted(abort: CanaryAbortNotice, currentVersion: number): Promise<void> {
    const { name, logger } = this.options;
    // The id and key come from a record anyone with write access may have put.
    const canary = escapeControlCharacters(abort.variant.canary ?? '?');
    const where = escapeControlCharacters(abort.where);
    logger.warn(messages.canaryAborted(name, canary, where, abort.error));
    const fields = { source: 'watch', version: currentVersion, variant: abort.variant };
    await this.audit
      .append({ event: 'canary_aborted', ...fields, error: abort.error }, false)
      .catch(() => undefined);
  }
}
