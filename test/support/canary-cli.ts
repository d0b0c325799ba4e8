import { Etcd3, type Lease } from 'etcd3';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach } from 'vitest';
import {
  instanceStatusKey,
  type InstanceStatus,
  type TrialStatus,
} from '../../lib/sources/etcd/fleet/instance-status.js';
import { etcdMemberAndCli, configReloader, startCli } from './config-reloader-cli.js';
import { type EtcdCluster } from './etcd-cluster.js';
import { waitFor } from './wait-for.js';

/** The canary record as a test reads it back from etcd. */
export interface StoredCanaryRecord {
  id: string;
  candidate: string;
  baseRevision: string;
  match: Record<string, unknown>;
  abortOnReject: boolean;
  createdAt: string;
  aborted?: { by: string; at: string; error: { code: string; message: string } };
}

/**
 * Plays one instance of the fleet for the CLI: a status record under a lease, as the etcd source
 * keeps it, written when told (what an instance reports once it judged the canary).
 */
export class PlayedMember {
  private constructor(
    readonly id: string,
    private readonly key: string,
    private readonly lease: Lease,
    private readonly labels: Record<string, string>,
    private readonly appVersion?: string,
  ) {}

  static async start(
    client: Etcd3,
    key: string,
    id: string,
    labels: Record<string, string> = {},
    appVersion?: string,
  ) {
    const lease = client.lease(10);
    lease.on('lost', () => undefined); // the test ends it
    const member = new PlayedMember(id, key, lease, labels, appVersion);
    const revision = (await client.get(key).exec()).kvs[0]?.mod_revision ?? '0';
    await member.report({ state: 'applied', revision });
    return member;
  }

  /**
   * Writes its record: what it made of the document at `revision` (of `canary`, if given), and
   * its answer to a trial, if given; from this machine unless `host` names another.
   */
  async report({
    state,
    revision,
    canary,
    error,
    trial,
    host = hostname(),
  }: {
    state: InstanceStatus['state'];
    revision: string;
    canary?: string;
    error?: { code: string; message: string };
    trial?: TrialStatus;
    host?: string;
  }): Promise<void> {
    const record: InstanceStatus = {
      instanceId: this.id,
      hostname: host,
      pid: process.pid,
      name: 'default',
      labels: this.labels,
      ...(this.appVersion === undefined ? {} : { appVersion: this.appVersion }),
      version: 1,
      revision,
      hash: 'h',
      variant: canary === undefined ? { overlays: [] } : { canary, overlays: [] },
      state,
      ...(error ? { error } : {}),
      updatedAt: new Date().toISOString(),
      ...(trial ? { trial } : {}),
    };
    await this.lease.put(instanceStatusKey(this.key, this.id)).value(JSON.stringify(record));
  }

  /** Ends as a process that died: its lease goes, and its record with it. */
  async vanish(): Promise<void> {
    await this.lease.revoke().catch(() => undefined);
  }
}

/**
 * What the canary command tests share: one etcd member and the built CLI per suite, a config key
 * of its own per test holding `base`, files in a temp dir, and the members the test plays.
 */
export function canaryCliPerSuite(base: object) {
  let cluster: EtcdCluster;
  let client: Etcd3;
  let dir: string;
  let n = 0;
  let key: string;
  let members: PlayedMember[] = [];

  beforeAll(async () => {
    cluster = await etcdMemberAndCli();
    client = new Etcd3({ hosts: cluster.hosts });
    dir = await mkdtemp(join(tmpdir(), 'canary-cli-'));
  }, 60_000);

  afterAll(async () => {
    client?.close();
    await cluster?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  beforeEach(async () => {
    key = `/bots/canary-${n++}`;
    await client.put(key).value(JSON.stringify(base));
  });

  afterEach(async () => {
    await Promise.all(members.map((member) => member.vanish()));
    members = [];
  });

  const etcdFlags = () => ['--etcd', cluster.hosts.join(','), '--key', key];
  const canaryKey = () => `${key}/canary`;
  let files = 0;
  const file = async (content: unknown) => {
    const path = join(dir, `candidate-${files++}.json`);
    await writeFile(path, JSON.stringify(content));
    return path;
  };
  const canary = async (): Promise<StoredCanaryRecord | undefined> => {
    const text = await client.get(canaryKey()).string();
    return text === null ? undefined : (JSON.parse(text) as StoredCanaryRecord);
  };
  return {
    get client() {
      return client;
    },
    get hosts() {
      return cluster.hosts;
    },
    get key() {
      return key;
    },
    etcdFlags,
    canaryKey,
    file,
    canary,
    /** The canary record and its mod_revision, once it exists. */
    canaryCreated: async () => {
      await waitFor(canary, { timeoutMs: 15_000, description: 'the canary record' });
      const kv = (await client.get(canaryKey()).exec()).kvs[0]!;
      return {
        record: JSON.parse(kv.value.toString()) as StoredCanaryRecord,
        modRevision: kv.mod_revision,
      };
    },
    keyRevision: async () => (await client.get(key).exec()).kvs[0]!.mod_revision,
    member: async (id: string, labels: Record<string, string> = {}, appVersion?: string) => {
      const member = await PlayedMember.start(client, key, id, labels, appVersion);
      members.push(member);
      return member;
    },
    /** Starts `publish <candidate> --canary <selector> ...` and hands back the running CLI. */
    publishCanary: async (candidate: unknown, selector: string, ...more: string[]) =>
      startCli(['publish', await file(candidate), ...etcdFlags(), '--canary', selector, ...more]),
    publish: async (candidate: unknown, ...more: string[]) =>
      configReloader('publish', await file(candidate), ...etcdFlags(), ...more),
    canaryCommand: (...args: string[]) => configReloader('canary', ...args, ...etcdFlags()),
    /** Puts a canary record as given, as another command (or an instance) would have. */
    putCanary: async (record: Partial<StoredCanaryRecord>) => {
      const full = {
        id: 'c-other',
        candidate: JSON.stringify(base),
        baseRevision: (await client.get(key).exec()).kvs[0]!.mod_revision,
        match: {},
        abortOnReject: true,
        createdAt: new Date().toISOString(),
        ...record,
      };
      await client.put(canaryKey()).value(JSON.stringify(full));
      return full;
    },
  };
}
