import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Etcd3, type IOptions } from 'etcd3';
import { afterEach, beforeEach } from 'vitest';
import type { AuditRecord } from '../../lib/index.js';
import {
  etcdSource,
  instanceStatusKey,
  parseInstanceStatus,
  type EtcdSourceOptions,
  type InstanceStatus,
} from '../../lib/sources/etcd/index.js';
import type { CanaryRecord } from '../../lib/sources/etcd/fleet/canary-record.js';
import { CapturingLogger } from './capturing-logger.js';
import { EtcdCluster } from './etcd-cluster.js';
import { bootReloader, type ReloaderHarness } from './reloader-app.js';
import { BASE, Bot } from './trial-bots.js';
import { waitFor } from './wait-for.js';

export const KEY = '/bots/trend/config';
export const CANARY_KEY = `${KEY}/canary`;

export type CanaryBoot = Partial<EtcdSourceOptions> & {
  beforeApply?: (next: Readonly<Bot>) => void | Promise<void>;
  verifyIntervalMs?: number;
};

/** One instance of the fleet, with what it logged and the path of its audit log. */
export interface CanaryInstance extends ReloaderHarness<Bot> {
  logger: CapturingLogger;
  audit(): Promise<AuditRecord[]>;
}

/**
 * A real etcd per test holding the base `BASE` at `KEY`, instances (class-validator `Bot`,
 * which quotes values in its messages) started on it, a writer to put canaries with, and
 * bounded waits on the records the instances keep. Everything is stopped after the test.
 */
export function canaryFleetPerTest() {
  let cluster: EtcdCluster;
  let writer: Etcd3;
  let dir: string;
  const instances: CanaryInstance[] = [];

  beforeEach(async () => {
    cluster = await EtcdCluster.start(1);
    writer = new Etcd3({ hosts: cluster.hosts });
    dir = await mkdtemp(join(tmpdir(), 'etcd-canary-'));
    await writer.put(KEY).value(JSON.stringify(BASE));
  });

  afterEach(async () => {
    for (const instance of instances.splice(0)) await instance.close();
    writer.close();
    await cluster.stop();
    await rm(dir, { recursive: true, force: true });
  });

  const fleet = {
    get cluster() {
      return cluster;
    },
    get writer() {
      return writer;
    },
    /** Replaces the writer (after auth is turned on). */
    signIn(options: Partial<IOptions>) {
      writer.close();
      writer = new Etcd3({ hosts: cluster.hosts, ...options });
    },

    async boot(
      instanceId: string,
      { beforeApply, verifyIntervalMs, ...options }: CanaryBoot = {},
    ): Promise<CanaryInstance> {
      const logger = new CapturingLogger();
      const auditPath = join(dir, `${instanceId}-${instances.length}.audit.jsonl`);
      const harness = await bootReloader<Bot>(
        {
          configSource: etcdSource({
            hosts: cluster.hosts,
            key: KEY,
            instanceId,
            dialTimeoutMs: 1000,
            watchCheckMs: 500,
            statusDelayMs: 0,
            ...options,
          }),
          dto: Bot,
          debounceMs: 0,
          beforeApply,
          auditLogPath: auditPath,
          ...(verifyIntervalMs === undefined ? {} : { verifyIntervalMs }),
        },
        { logger },
      );
      const audit = async () =>
        (await readFile(auditPath, 'utf8').catch(() => ''))
          .split('\n')
          .filter(Boolean)
          .map((line) => JSON.parse(line) as AuditRecord);
      const instance = { ...harness, logger, audit };
      instances.push(instance);
      return instance;
    },

    /** Puts `K/canary`: abortOnReject unless said otherwise; `candidate` is JSON-encoded. */
    putCanary(id: string, candidate: unknown, fields: Partial<CanaryRecord> = {}) {
      const record: CanaryRecord = {
        id,
        candidate: JSON.stringify(candidate),
        baseRevision: '1',
        match: {},
        abortOnReject: true,
        createdAt: new Date().toISOString(),
        ...fields,
      };
      return writer.put(CANARY_KEY).value(JSON.stringify(record));
    },

    async canary(): Promise<CanaryRecord | undefined> {
      const text = await writer.get(CANARY_KEY).string();
      return text === null ? undefined : (JSON.parse(text) as CanaryRecord);
    },

    async statusText(instanceId: string): Promise<string | null> {
      return writer.get(instanceStatusKey(KEY, instanceId)).string();
    },

    /** The instance's status record, once it matches. */
    recordOf(
      instanceId: string,
      matches: (status: InstanceStatus) => boolean,
      description: string,
      timeoutMs = 10_000,
    ) {
      return waitFor(
        async () => {
          const text = await fleet.statusText(instanceId);
          const status = text === null ? undefined : parseInstanceStatus(text);
          return status && matches(status) ? status : undefined;
        },
        { timeoutMs, description: `${instanceId}: ${description}` },
      );
    },

    /** Applied at `revision`, on the canary `canary` (undefined: on the base). */
    appliedAt(instanceId: string, revision: string, canary?: string) {
      return fleet.recordOf(
        instanceId,
        (status) =>
          status.state === 'applied' &&
          status.revision === revision &&
          status.variant.canary === canary,
        `applied at ${revision} on ${canary ?? 'the base'}`,
      );
    },
  };
  return fleet;
}
