import type { IKeyValue } from 'etcd3';
import type { InstanceIdentity } from '../../instance-identity.js';
import { canaryKey, readCanaryRecord, type CanaryRecord } from './canary-record.js';
import { selectorMatches } from './selector.js';

/** The canary record as this instance last saw it, and where etcd had it then. */
export interface SeenCanary {
  record: CanaryRecord;
  /** Its mod_revision: what an abort compares against. */
  modRevision: string;
  /** Its create_revision: tells one canary from a later one that reuses its id. */
  createRevision: string;
}

/**
 * `K/canary` as this instance last saw it, read once when it arrives. A record nobody can read
 * stops every instance (nobody can tell whom it was for), as an unreadable overlay does; an
 * aborted canary is treated as absent.
 */
export class FleetCanary {
  /** The record's etcd key. */
  readonly key: string;
  private state: { seen: SeenCanary } | { error: unknown } | undefined;
  /** The latest revision the record was put or deleted at (0: none seen). */
  private changedAt = 0n;

  constructor(configKey: string) {
    this.key = canaryKey(configKey);
  }

  /** The latest revision the record changed at: the document moves on with it. */
  get revision(): bigint {
    return this.changedAt;
  }

  /** The record as last seen, readable or not, aborted or not; undefined when there is none. */
  get seen(): SeenCanary | undefined {
    return this.state && 'seen' in this.state ? this.state.seen : undefined;
  }

  covers(fullKey: string): boolean {
    return fullKey === this.key;
  }

  /** As one read found it: the record, or none. */
  replace(kv: IKeyValue | undefined): void {
    this.state = undefined;
    this.changedAt = 0n;
    if (kv) this.put(kv);
  }

  put(kv: IKeyValue): void {
    const modRevision = kv.mod_revision;
    try {
      const record = readCanaryRecord(kv.value.toString('utf8'), `etcd:${this.key}`);
      this.state = { seen: { record, modRevision, createRevision: kv.create_revision } };
    } catch (error) {
      this.state = { error };
    }
    this.sawChangeAt(modRevision);
  }

  delete(kv: IKeyValue): void {
    this.state = undefined;
    this.sawChangeAt(kv.mod_revision);
  }

  /**
   * The canary this instance is a member of: not aborted, and its selector matches (the canary's
   * id is the default seed). Throws the error of a record nobody can read.
   */
  memberOf(identity: InstanceIdentity): CanaryRecord | undefined {
    if (!this.state) return undefined;
    if ('error' in this.state) throw this.state.error;
    const { record } = this.state.seen;
    if (record.aborted) return undefined;
    return selectorMatches(record.match, identity, record.id) ? record : undefined;
  }

  private sawChangeAt(modRevision: string): void {
    const revision = BigInt(modRevision);
    if (revision > this.changedAt) this.changedAt = revision;
  }
}
