import { Logger } from '@nestjs/common';
import { hostname } from 'node:os';
import type { Etcd3 } from 'etcd3';
import {
  ConfigConflictError,
  ConfigNotFoundError,
  ConfigReloadError,
} from '../../config-reloader.errors.js';
import type {
  ConfigSource,
  SourceListener,
  SourceOutcome,
  SourceReadFailure,
  SourceSnapshot,
  SourceWatch,
} from '../../interfaces/config-source.interface.js';
import { hashContent } from '../content-hash.js';
import { casPut } from './cas-put.js';
import { ConfigCache } from './config-cache.js';
import {
  createEtcdClient,
  DEFAULT_DIAL_TIMEOUT_MS,
  settledWithin,
  withDeadline,
} from './etcd-client.js';
import type { EtcdSourceOptions } from './etcd-source.options.js';
import { checkEtcdSourceOptions } from './etcd-source.options-check.js';
import { etcdMessages } from './etcd.messages.js';
import { isRefusal, sourceFailure } from './etcd-failure.js';
import { reportEtcdStatus, type EtcdStatusReport } from './etcd-status.reporter.js';
import { CanaryAbort } from './fleet/canary-abort.js';
import { FleetDocument } from './fleet/fleet-document.js';
import { instanceIdentityOf, type InstanceIdentity } from '../instance-identity.js';
import { KeyWatch } from './key-watch.js';
import { WatchMembers } from './watch-members.js';

const DEFAULT_WATCH_CHECK_MS = 5000;
const MAX_REPLY_TIMEOUT_MS = 2000;

/**
 * A config source over one etcd key. Reads say which revision they saw, so the watch starts
 * exactly after it; watch events carry the document, so nothing is read again on a change.
 */
export function etcdSource(options: EtcdSourceOptions): ConfigSource {
  return new EtcdSource(options);
}

class EtcdSource implements ConfigSource {
  readonly id: string;
  /** Every version is one revision of the store, read in one transaction. */
  readonly atomicWrites = true;
  /**
   * This instance's own: its watch, reads and writes. Shared, a client trips etcd3's circuit
   * breaker on a member for every instance at once when their watches fail together (an outage),
   * and holds them all off it for 5 s after it answers again.
   */
  private readonly client: Etcd3;
  private readonly hosts: readonly string[];
  private readonly deadlineMs: number;
  private readonly cache: ConfigCache | undefined;
  /** The status record, on the process's client for the connection (see `reportEtcdStatus`). */
  private readonly status: EtcdStatusReport | undefined;
  private readonly identity: InstanceIdentity;
  /** The key and its overlays, as last read or watched: what this instance's document is made of. */
  private readonly document: FleetDocument;
  /** Marks a canary aborted when this instance rejects its candidate. */
  private readonly canaryAbort: CanaryAbort;
  private readonly logger = new Logger('ConfigReloader');
  /** The revision after the last one etcd showed us: where a watch starts. */
  private resumeFrom: string | undefined;
  /** Whether etcd answered the last read. */
  private reachable = false;
  /** The config in force came from the local copy; etcd must be asked once it answers. */
  private servedFromCache = false;

  constructor(private readonly options: EtcdSourceOptions) {
    checkEtcdSourceOptions(options);
    this.id = `etcd:${options.key}`;
    this.hosts = Array.isArray(options.hosts) ? options.hosts : [options.hosts];
    this.deadlineMs = options.dialTimeoutMs ?? DEFAULT_DIAL_TIMEOUT_MS;
    this.client = createEtcdClient(options);
    this.cache = options.cachePath
      ? new ConfigCache(options.cachePath, options.key, (message) => this.logger.warn(message))
      : undefined;
    const instanceId = options.instanceId ?? `${hostname()}-${process.pid}`;
    this.identity = instanceIdentityOf(instanceId, options.labels, options.appVersion);
    if (options.reportStatus !== false) {
      const owner = { id: this.id, deadlineMs: this.deadlineMs, logger: this.logger };
      this.status = reportEtcdStatus(options, this.identity, owner);
    }
    this.document = new FleetDocument(options.key, this.identity, this.status?.record);
    const { client, deadlineMs, logger } = this;
    const { canary } = this.document;
    this.canaryAbort = new CanaryAbort({ client, instanceId, canary, deadlineMs, logger });
  }

  async read(): Promise<SourceSnapshot> {
    try {
      return await this.readKey();
    } catch (error) {
      const starting = this.resumeFrom === undefined;
      // etcd said no (credentials, permissions): not an outage, and no local copy makes it right.
      if (error instanceof ConfigReloadError || isRefusal(error) || !starting) {
        throw this.failure(error, etcdMessages.unavailable);
      }
      if (!this.cache) throw this.failure(error, etcdMessages.unavailableAtStart);
      return this.startFromCache(this.cache, error);
    }
  }

  async watch(listener: SourceListener, signal?: AbortSignal): Promise<SourceWatch> {
    const replyTimeoutMs = Math.min(this.deadlineMs, MAX_REPLY_TIMEOUT_MS);
    const watch = new KeyWatch(
      {
        members: new WatchMembers(this.client, this.options),
        ranges: this.document.ranges,
        fromRevision: this.resumeFrom ?? '0',
        connected: this.reachable,
        checkMs: this.options.watchCheckMs ?? DEFAULT_WATCH_CHECK_MS,
        replyTimeoutMs,
      },
      {
        // Without a whole document (a record nobody can read), the reload path reads and says why.
        put: (kv) => this.document.put(kv) && listener.changed(this.document.whole()),
        deleted: (kv) => this.document.delete(kv) && listener.changed(this.document.whole()),
        resync: () => this.resync(listener),
        connectivity: (connected, failure) => {
          const cause = connected ? undefined : this.failure(failure, etcdMessages.watchLost);
          listener.connectivity?.(connected, cause);
          if (connected && this.servedFromCache) listener.changed(); // ask etcd what is current
        },
        error: (error) => listener.error(error),
      },
    );
    this.document.trials?.listen(listener);
    this.canaryAbort.listen(listener);
    if (!this.reachable) listener.connectivity?.(false);
    // Every later change is reported once the watch exists, or, while etcd is down, once it
    // reconnects (it resumes from `resumeFrom`): waiting longer would only delay the start.
    await settledWithin(watch.firstCreated, replyTimeoutMs, signal);
    return {
      get active() {
        return watch.active;
      },
      mode: 'etcd',
      close: () => watch.close(),
    };
  }

  async write(text: string, expectedRevision: string): Promise<SourceSnapshot> {
    const put = casPut(this.client, this.options.key, text, expectedRevision);
    const result = await this.inTime(put).catch((error: unknown) => {
      throw this.failure(error, etcdMessages.unavailable);
    });
    if (!result.written) {
      const actual = result.current?.modRevision;
      throw new ConfigConflictError(
        this.id,
        expectedRevision,
        actual,
        etcdMessages.conflict(this.id, expectedRevision, actual),
      );
    }
    this.servedFromCache = false;
    return this.document.snapshot({ text, modRevision: result.revision })!;
  }

  report(outcome: SourceOutcome): void {
    this.status?.record.outcomeIs(outcome);
    if (outcome.state === 'applied') this.cache?.keep(outcome);
    void this.canaryAbort.consider(outcome);
  }

  /** A member refusing the canary's candidate at start aborts it, then starts on the base. */
  async refusedAtStart(outcome: SourceOutcome): Promise<SourceSnapshot | undefined> {
    return (await this.canaryAbort.consider(outcome)) ? this.read() : undefined;
  }

  /** A record nobody can read stopped the change: the status record says so, at its revision. */
  reportReadFailure({ name, version, error }: SourceReadFailure): void {
    const revision = this.document.unreadableAt();
    if (revision)
      this.status?.record.outcomeIs({
        name,
        state: 'rejected',
        version,
        revision,
        hash: '',
        error,
      });
  }

  async close(): Promise<void> {
    await this.status?.close();
    this.client.close();
  }

  private async readKey(): Promise<SourceSnapshot> {
    const storeRevision = await this.inTime(this.document.read(this.client));
    this.reachable = true;
    this.servedFromCache = false;
    this.resumeFrom = String(BigInt(storeRevision) + 1n);
    const snapshot = this.document.snapshot();
    if (!snapshot)
      throw new ConfigNotFoundError(this.id, { message: etcdMessages.keyMissing(this.id) });
    return snapshot;
  }

  private async startFromCache(cache: ConfigCache, cause: unknown): Promise<SourceSnapshot> {
    const cached = await cache.load();
    if ('unusable' in cached) {
      throw this.failure(cause, (id, hosts, reason) =>
        etcdMessages.unavailableAtStart(id, hosts, reason, cached.unusable),
      );
    }
    this.logger.warn(etcdMessages.startedFromCache(this.id, cache.path, cached.revision));
    this.reachable = false;
    this.servedFromCache = true;
    this.resumeFrom = String(BigInt(cached.revision) + 1n);
    const origin = { etcdRevision: cached.revision, cachedAt: cached.savedAt };
    return { text: cached.text, revision: cached.revision, hash: hashContent(cached.text), origin };
  }

  /** The watch's revision was compacted: hand over the key as it is now, resume after it. */
  private async resync(listener: SourceListener): Promise<string> {
    try {
      listener.changed(await this.readKey());
    } catch (error) {
      if (!(error instanceof ConfigNotFoundError)) throw error;
      listener.changed(); // deleted meanwhile: the reload path reports it
    }
    return this.resumeFrom!;
  }

  /** etcd refused the call (`ConfigAccessError`), or did not answer: `unavailable` says so. */
  private failure(error: unknown, unavailable: Parameters<typeof sourceFailure>[2]) {
    return sourceFailure(error, { id: this.id, hosts: this.hosts }, unavailable);
  }

  /** etcd3 retries a call on up to three members, each attempt with its own deadline. */
  private inTime<R>(call: Promise<R>): Promise<R> {
    const deadlineMs = this.deadlineMs * Math.min(this.hosts.length, 3);
    return withDeadline(call, deadlineMs, () => new Error(`no answer within ${deadlineMs} ms`));
  }
}
