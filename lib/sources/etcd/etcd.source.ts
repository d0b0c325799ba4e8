import { Logger } from '@nestjs/common';
import { hostname } from 'node:os';
import type { Etcd3 } from 'etcd3';
import {
  ConfigConflictError,
  ConfigNotFoundError,
  ConfigReloadError,
  describeError,
} from '../../config-reloader.errors.js';
import type {
  ConfigSource,
  SourceListener,
  SourceOutcome,
  SourceSnapshot,
  SourceWatch,
} from '../config-source.interface.js';
import { hashContent } from '../content-hash.js';
import { casPut } from './cas-put.js';
import { readConfigKeyAt, toConfigKeyValue, type ConfigKeyValue } from './config-key.reader.js';
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
import { failureReason, isRefusal, sourceFailure } from './etcd-failure.js';
import { FleetStatusWriter } from './fleet/fleet-status.writer.js';
import { instancesPrefix, instanceStatusOf } from './fleet/instance-status.js';
import { acquireStatusBatch } from './fleet/shared-status-batch.js';
import { KeyWatch } from './key-watch.js';
import { acquireEtcdClient, type SharedEtcdClient } from './shared-etcd-client.js';
import { WatchMembers } from './watch-members.js';

const DEFAULT_STATUS_TTL_SECONDS = 10;
const DEFAULT_STATUS_DELAY_MS = 100;
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
  /**
   * This instance's own: its watch, reads and writes. Shared, a client trips etcd3's circuit
   * breaker on a member for every instance at once when their watches fail together (an outage),
   * and holds them all off it for 5 s after it answers again.
   */
  private readonly client: Etcd3;
  /** The process's, for status records: shared with the other instances that connect alike. */
  private readonly statusConnection: SharedEtcdClient | undefined;
  private readonly hosts: readonly string[];
  private readonly deadlineMs: number;
  private readonly cache: ConfigCache | undefined;
  private readonly status: FleetStatusWriter | undefined;
  private readonly instanceId: string;
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
    this.instanceId = options.instanceId ?? `${hostname()}-${process.pid}`;
    if (options.reportStatus !== false) {
      this.statusConnection = acquireEtcdClient(options);
      const ttlSeconds = options.statusTtlSeconds ?? DEFAULT_STATUS_TTL_SECONDS;
      const client = this.statusConnection.client;
      const lease = { client, ttlSeconds, deadlineMs: this.deadlineMs };
      this.status = new FleetStatusWriter({
        ...lease,
        key: options.key,
        instanceId: this.instanceId,
        delayMs: options.statusDelayMs ?? DEFAULT_STATUS_DELAY_MS,
        // One lease and one transaction per round for the instances of the process that connect alike.
        batch: acquireStatusBatch(lease),
        onError: (error, refused) => {
          const reason = failureReason(error);
          this.logger.warn(
            refused
              ? etcdMessages.statusRefused(this.id, instancesPrefix(options.key), reason)
              : etcdMessages.statusFailed(this.id, reason),
          );
        },
        onRecovered: () => this.logger.log(etcdMessages.statusBack(this.id)),
      });
    }
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
        key: this.options.key,
        fromRevision: this.resumeFrom ?? '0',
        connected: this.reachable,
        checkMs: this.options.watchCheckMs ?? DEFAULT_WATCH_CHECK_MS,
        replyTimeoutMs,
      },
      {
        put: (kv) => listener.changed(snapshotOf(toConfigKeyValue(kv))),
        deleted: () => listener.changed(),
        resync: () => this.resync(listener),
        connectivity: (connected, failure) => {
          const cause = connected ? undefined : this.failure(failure, etcdMessages.watchLost);
          listener.connectivity?.(connected, cause);
          if (connected && this.servedFromCache) listener.changed(); // ask etcd what is current
        },
        error: (error) => listener.error(error),
      },
    );
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
    const result = await withDeadline(
      casPut(this.client, this.options.key, text, expectedRevision),
      this.overallDeadlineMs(),
      () => new Error(`no answer within ${this.overallDeadlineMs()} ms`),
    ).catch((error: unknown) => {
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
    return snapshotOf({ text, modRevision: result.revision });
  }

  report(outcome: SourceOutcome): void {
    this.status?.write(instanceStatusOf(this.instanceId, outcome));
    const cache = this.cache;
    if (cache && outcome.state === 'applied' && outcome.text !== undefined) {
      const entry = { revision: outcome.revision, hash: outcome.hash, text: outcome.text };
      cache.save(entry).catch((error: unknown) => {
        this.logger.warn(etcdMessages.cacheFailed(this.id, cache.path, describeError(error)));
      });
    }
  }

  async close(): Promise<void> {
    await this.status?.close();
    this.statusConnection?.release();
    this.client.close();
  }

  private async readKey(): Promise<SourceSnapshot> {
    const { value, storeRevision } = await withDeadline(
      readConfigKeyAt(this.client, this.options.key),
      this.overallDeadlineMs(),
      () => new Error(`no answer within ${this.overallDeadlineMs()} ms`),
    );
    this.reachable = true;
    this.servedFromCache = false;
    this.resumeFrom = String(BigInt(storeRevision) + 1n);
    if (!value)
      throw new ConfigNotFoundError(this.id, { message: etcdMessages.keyMissing(this.id) });
    return snapshotOf(value);
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
  private overallDeadlineMs(): number {
    return this.deadlineMs * Math.min(this.hosts.length, 3);
  }
}

/** A version of the document as the reload path takes it; the revision is the key's `mod_revision`. */
function snapshotOf({ text, modRevision }: ConfigKeyValue): SourceSnapshot {
  return {
    text,
    revision: modRevision,
    hash: hashContent(text),
    origin: { etcdRevision: modRevision },
  };
}
