import {
  asReloadError,
  ConfigReloaderClosedError,
  type ConfigReloadError,
} from '../config-reloader.errors.js';
import { diffConfigs } from '../change/config.diff.js';
import type { Candidate, ValidatedConfig } from '../pipeline/config.pipeline.js';
import type { SourceSnapshot, TrialVerdict } from '../interfaces/config-source.interface.js';
import type { PendingChange } from '../store/config.store.js';
import type { ReloadSource } from '../interfaces/index.js';
import type { ReloadCoordinatorOptions } from './reload-coordinator.options.js';
import { SerialQueue } from '../serial-queue.js';
import { rollbackTarget } from './rollback.target.js';
import { judgeTrial } from './trial.judge.js';
import { initialCandidate } from './initial-load.js';
import { vetoOf } from './config.veto.js';

/** The initial load, committed like any change but with nothing before it. */
interface InitialLoad<T> {
  candidate: Candidate<T>;
  trigger: 'initial';
  notify: false;
  rolledBackTo?: undefined;
}

/** How one attempt of the reload path ended, when it did not end well. */
type Failure = { error: ConfigReloadError; snapshot?: SourceSnapshot };

/**
 * The one reload path, shared by watcher reloads, `reloadConfig()`, `rollback()` and staged
 * changes: read -> unchanged? -> known bad? -> validate -> veto -> stage or commit. Every
 * attempt runs on one serial queue, so an older content can never be applied after a newer
 * one. Triggers differ only in how a failure is reported: the watch path hands it to the
 * failure gate; manual reloads and rollbacks reject.
 */
export class ReloadCoordinator<T extends object> {
  private readonly queue = new SerialQueue();
  private closed = false;

  constructor(private readonly options: ReloadCoordinatorOptions<T>) {}

  /** Reads, validates and applies the initial config; throws the typed error on any failure. */
  async load(): Promise<void> {
    const { name, where, source, pipeline } = this.options;
    const candidate = await initialCandidate(name, where, source, pipeline);
    await this.commit({ candidate, trigger: 'initial', notify: false });
  }

  /** `reloadConfig()`: resolves with the config in force afterwards, or rejects. */
  reload(notify: boolean): Promise<Readonly<T>> {
    return this.called(async () => {
      const failure = await this.attempt('manual', notify);
      if (failure) throw failure.error;
      return this.options.store.applied.config;
    });
  }

  /**
   * A reload the watcher asked for; never throws. `handed` is the document when the source sent
   * it with the change; `stillWanted` says whether watching is still on (checked before a swap).
   */
  reloadFromWatch(handed: SourceSnapshot | undefined, stillWanted: () => boolean): Promise<void> {
    return this.queue.run(async () => {
      if (this.closed || !stillWanted()) return;
      const failure = await this.attempt(
        'watch',
        true,
        handed,
        () => !this.closed && stillWanted(),
      );
      if (!failure) return;
      const { failures, reporter, store } = this.options;
      const news = failures.failed(failure.error, failure.snapshot?.hash, failure.snapshot);
      // Judged again (a veto) with the same outcome, maybe at a new revision: the source hears it.
      if (!news) reporter.failedAgain(failure.error, store.applied.version, failure.snapshot);
    });
  }

  /**
   * Writes the base of an earlier version back through the source (its text, or the base its
   * layers were merged over), with compare-and-swap on the revision in force, and applies what
   * the source then holds: exactly that version when its layers are unchanged since.
   */
  rollback(steps: number): Promise<Readonly<T>> {
    return this.called(async () => {
      const { store } = this.options;
      const { entry, write } = rollbackTarget(steps, this.options);
      // Without layers, what is written is what applies: validated and vetted before the write.
      const vetted = entry.baseText === undefined ? await this.vetted(entry.rawText) : undefined;
      const applied = store.applied;
      const snapshot = await write(entry.baseText ?? entry.rawText, applied.revision);
      try {
        // Layers merged over the base written back make the document: validated like any change.
        const validated =
          vetted && snapshot.hash === entry.hash ? vetted : await this.vetted(snapshot.text);
        this.assertOpen();
        await this.stageOrCommit({
          candidate: { ...validated, snapshot },
          trigger: 'rollback',
          notify: true,
          rolledBackTo: entry.version,
        });
      } catch (error) {
        // Not applied (invalid, vetoed, the audit log refused it): put the source back as it was.
        await write(applied.baseText ?? applied.text, snapshot.revision).catch(() => undefined);
        throw error;
      }
      return store.applied.config;
    });
  }

  /** A dry run (`SourceListener.trial`): judged in turn with reloads; nothing applied. */
  trial(text: string): Promise<TrialVerdict> {
    return this.queue.run(() => judgeTrial(text, this.options, () => this.vetted(text)));
  }

  /** The last hold is gone: apply the staged change, vetted again against the world as it is now. */
  releaseStaged(): void {
    if (!this.options.store.staged) return;
    void this.queue.run(async () => {
      const { store, holds, failures } = this.options;
      const change = store.staged;
      if (!change || holds.isHeld || this.closed) return;
      this.options.metrics.started();
      store.staged = undefined;
      try {
        await vetoOf(change.candidate.config, this.options);
        await this.commit(change);
      } catch (error) {
        const failure = asReloadError(error, this.options.where);
        // Judged again later, like any veto of the content at the source.
        failures.vetoedNow(failure, change.candidate.snapshot.hash);
        await this.reportFailure(failure, change.trigger, change.candidate.snapshot);
      }
    });
  }

  /** Reports a failure (health, log, audit, events, source); never throws. */
  reportFailure(error: ConfigReloadError, trigger: ReloadSource, snapshot?: SourceSnapshot) {
    const { reporter, store } = this.options;
    return reporter.failed(error, trigger, store.applied.version, snapshot);
  }

  /** No more reloads; resolves when the one in flight has finished. */
  async close(): Promise<void> {
    this.closed = true;
    this.options.store.staged = undefined;
    await this.queue.drain();
  }

  private async attempt(
    trigger: ReloadSource,
    notify: boolean,
    handed?: SourceSnapshot,
    stillWanted: () => boolean = () => !this.closed,
  ): Promise<Failure | undefined> {
    const { source, store, pipeline, failures, reporter } = this.options;
    let snapshot: SourceSnapshot | undefined = handed;
    this.options.metrics.started();
    try {
      snapshot ??= await source.read();
      if (snapshot.hash === store.applied.hash) {
        store.staged = undefined; // back to the applied content: nothing is pending any more
        this.recovered(`back to the content of v${store.applied.version}, which stayed in force`);
        reporter.unchanged(store.moveRevision(snapshot));
        return undefined;
      }
      if (snapshot.hash === store.staged?.candidate.snapshot.hash) {
        const staged = store.staged;
        store.staged = { ...staged, candidate: { ...staged.candidate, snapshot } };
        reporter.sameDecision(snapshot);
        return undefined;
      }
      if (trigger === 'watch' && failures.isKnownBad(snapshot.hash)) {
        failures.seenAgain(snapshot);
        reporter.sameDecision(snapshot);
        return undefined;
      }
      const candidate = await pipeline.materialize(snapshot, store.applied.config);
      await vetoOf(candidate.config, this.options);
      if (!stillWanted()) return undefined;
      await this.stageOrCommit({ candidate, trigger, notify });
      return undefined;
    } catch (error) {
      const failure = asReloadError(error, this.options.where);
      this.options.metrics.ended(failure); // counted when reported, with this attempt's time
      return { error: failure, snapshot };
    }
  }

  /** Validates a document against the config in force, then runs the app's veto on it. */
  private async vetted(text: string): Promise<ValidatedConfig<T>> {
    const validated = await this.options.pipeline.validate(text, this.options.store.applied.config);
    await vetoOf(validated.config, this.options);
    return validated;
  }

  /** Swaps now, or stages the change while a hold is active (latest wins). */
  private async stageOrCommit(change: PendingChange<T>): Promise<void> {
    const { holds, store, reporter, health } = this.options;
    if (holds.isHeld) {
      this.recovered('a valid change is staged until the holds end');
      store.staged = change;
      reporter.staged(change.candidate.snapshot, store.applied.version, holds.reasons);
      return;
    }
    store.staged = undefined;
    // Counted before the swap, which resets the health figures.
    const failures = health.consecutive;
    await this.commit(change);
    this.recovered(`config v${store.applied.version} applied`, failures);
  }

  /** Audit first, then the swap (one assignment), then everyone else hears of it. */
  private async commit(change: PendingChange<T> | InitialLoad<T>): Promise<void> {
    const { candidate, trigger, notify, rolledBackTo } = change;
    const { store, reporter } = this.options;
    const previous = trigger === 'initial' ? undefined : store.applied;
    const next = store.next(candidate, trigger);
    const changes = previous ? diffConfigs(previous.plain, next.plain) : [];
    const applied = { previous, next, changes, trigger, rolledBackTo };
    await reporter.recordApplied(applied, candidate.snapshot.origin);
    store.swap(next);
    reporter.applied(applied, notify);
  }

  /**
   * The source is back to a good state: failures stop counting as consecutive, and when some
   * were reported, one line says that they are over.
   */
  private recovered(state: string, failures = this.options.health.consecutive): void {
    this.options.health.recovered();
    this.options.failures.clear();
    if (failures > 0) this.options.reporter.recovered(failures, state);
  }

  /** `reloadConfig()` and `rollback()`: in turn with every reload; a rejection is counted. */
  private called<R>(task: () => Promise<R>): Promise<R> {
    return this.queue.run(() => {
      this.assertOpen();
      return this.options.metrics.counting(task, this.options.where);
    });
  }

  private assertOpen(): void {
    if (this.closed) throw new ConfigReloaderClosedError(this.options.name, this.options.where);
  }
}
