import { createHash } from 'node:crypto';
import { hostname } from 'node:os';
import { Etcd3, type Lease, type Watcher } from 'etcd3';
import type { ConfigVariant } from '../../lib/interfaces/config-source.interface.js';
import {
  instanceStatusKey,
  type InstanceStatus,
} from '../../lib/sources/etcd/fleet/instance-status.js';

/** What a simulated instance does with a new revision of the config. */
export type Decision =
  | { state: 'applied' }
  | { state: 'rejected'; error: { code: string; message: string } }
  /** `beforeApply` said no for now: the module judges it again and may apply it later. */
  | { state: 'vetoed'; error: { code: string; message: string } }
  | { state: 'staged' }
  /** Never answers: keeps its last record, as a stuck or partitioned instance would. */
  | { state: 'silent' };

/** What a simulated instance says about itself in every record: labels, variant, app version. */
export interface SimulatedFacts {
  labels?: Record<string, string>;
  variant?: ConfigVariant;
  appVersion?: string;
}

/**
 * Stands in for a running instance of the module on an etcd key, following the fleet status
 * protocol the etcd source follows: a record at `<key>/instances/<id>` under a lease, with the
 * `mod_revision` of the change it is about, written on start (applied) and on every change it
 * decides on. `decide` plays the part of validation, `beforeApply` and holds.
 */
export class SimulatedInstance {
  private version = 1;
  private appliedRevision = '0';
  private watcher: Watcher | undefined;
  private writes: Promise<void> = Promise.resolve();
  /** Every record this instance wrote, in order. */
  readonly reports: InstanceStatus[] = [];

  private constructor(
    readonly id: string,
    private readonly key: string,
    private readonly client: Etcd3,
    private readonly lease: Lease,
    private readonly decide: (text: string, revision: string) => Decision,
    private readonly facts: SimulatedFacts,
  ) {}

  static async start(
    hosts: string[],
    key: string,
    id: string,
    decide: (text: string, revision: string) => Decision = () => ({ state: 'applied' }),
    ttlSeconds = 10,
    facts: SimulatedFacts = {},
  ): Promise<SimulatedInstance> {
    const client = new Etcd3({ hosts });
    const lease = client.lease(ttlSeconds);
    lease.on('lost', () => undefined); // the test ends it; a lost lease is not an error here
    const instance = new SimulatedInstance(id, key, client, lease, decide, facts);
    const current = await client.get(key).exec();
    const kv = current.kvs[0];
    if (kv) {
      instance.appliedRevision = kv.mod_revision;
      await instance.report(kv.mod_revision, kv.value.toString(), { state: 'applied' });
    }
    const next = (BigInt(current.header.revision) + 1n).toString();
    instance.watcher = await client.watch().key(key).startRevision(next).create();
    instance.watcher.on('put', (change) => {
      const text = change.value.toString();
      const decision = instance.decide(text, change.mod_revision);
      if (decision.state !== 'silent') void instance.report(change.mod_revision, text, decision);
    });
    return instance;
  }

  /**
   * Applies a change it staged or vetoed earlier, as an instance does when its hold ends or its
   * veto is judged again and lets it through.
   */
  async release(revision: string, text: string): Promise<void> {
    await this.report(revision, text, { state: 'applied' });
  }

  private async report(
    revision: string,
    text: string,
    decision: Exclude<Decision, { state: 'silent' }>,
  ): Promise<void> {
    if (decision.state === 'applied' && revision !== this.appliedRevision) {
      this.version += 1;
      this.appliedRevision = revision;
    }
    const record: InstanceStatus = {
      instanceId: this.id,
      hostname: hostname(),
      pid: process.pid,
      name: 'default',
      labels: this.facts.labels ?? {},
      ...(this.facts.appVersion === undefined ? {} : { appVersion: this.facts.appVersion }),
      version: this.version,
      revision,
      hash: createHash('sha256').update(text).digest('hex'),
      variant: this.facts.variant ?? { overlays: [] },
      state: decision.state,
      ...('error' in decision ? { error: decision.error } : {}),
      updatedAt: new Date().toISOString(),
    };
    // One write at a time, in order, and counted once it is in etcd: as the real reporter does.
    this.writes = this.writes.then(async () => {
      await this.lease.put(instanceStatusKey(this.key, this.id)).value(JSON.stringify(record));
      this.reports.push(record);
    });
    await this.writes;
  }

  /** Stops as an instance that shuts down cleanly: its record goes with its lease. */
  async stop(): Promise<void> {
    await this.watcher?.cancel();
    await this.lease.revoke().catch(() => undefined);
    this.client.close();
  }
}
