import 'reflect-metadata';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Etcd3, Range } from 'etcd3';
import { IsInt, IsOptional, Matches } from 'class-validator';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  ConfigAccessError,
  ConfigConflictError,
  ConfigSourceUnavailableError,
} from '../../../lib/index.js';
import {
  etcdSource,
  instanceStatusKey,
  parseInstanceStatus,
  type EtcdSourceOptions,
} from '../../../lib/sources/etcd/index.js';
import { CapturingLogger } from '../../support/capturing-logger.js';
import { EtcdCluster, skipWithoutEtcd } from '../../support/etcd-cluster.js';
import { callsServed } from '../../support/etcd-metrics.js';
import { bootReloader, type ReloaderHarness } from '../../support/reloader-app.js';
import { waitFor } from '../../support/wait-for.js';

type Bot = { revision: number; risk?: { maxPositionUsd: number } };

/** A DTO whose message quotes the value, as many do. */
class LeakyBot {
  @IsInt() revision!: number;
  @IsOptional() @Matches(/^sk_/, { message: '$property $value is bad' }) apiKey?: string;
}

const KEY = '/bots/trend/config';
const schema = {
  type: 'object',
  required: ['revision'],
  properties: { revision: { type: 'integer', minimum: 1 } },
};
const doc = (revision: number) => JSON.stringify({ revision });

const missing = skipWithoutEtcd('the etcd source tests');

describe.skipIf(missing !== undefined)('the etcd source, against a real etcd', () => {
  let cluster: EtcdCluster;
  let writer: Etcd3;
  let dir: string;
  const harnesses: ReloaderHarness<Bot>[] = [];

  beforeEach(async () => {
    cluster = await EtcdCluster.start(1);
    writer = new Etcd3({ hosts: cluster.hosts });
    dir = await mkdtemp(join(tmpdir(), 'etcd-source-'));
  });

  afterEach(async () => {
    for (const harness of harnesses.splice(0)) await harness.close();
    writer.close();
    await cluster.stop();
    await rm(dir, { recursive: true, force: true });
  });

  async function boot(options: Partial<EtcdSourceOptions> = {}, logger?: CapturingLogger) {
    const harness = await bootReloader<Bot>(
      {
        configSource: etcdSource({
          hosts: cluster.hosts,
          key: KEY,
          instanceId: 'bot-1',
          dialTimeoutMs: 1000,
          watchCheckMs: 500,
          ...options,
        }),
        schema,
        debounceMs: 0,
      },
      { logger },
    );
    harnesses.push(harness);
    return harness;
  }

  it('loads the key, applies a put from the watch event and records the etcd revision', async () => {
    await writer.put(KEY).value(doc(1));
    const { service, reloaded } = await boot();
    expect(service.config).toEqual({ revision: 1 });

    const put = await writer.put(KEY).value(doc(2));
    await waitFor(() => reloaded.length === 1, { description: 'the put to be applied' });
    expect(service.config).toEqual({ revision: 2 });
    expect(service.getHistory().at(-1)).toMatchObject({
      version: 2,
      source: 'watch',
      revision: put.header.revision,
    });
    expect(service.getHealth()).toMatchObject({ status: 'up', watchMode: 'etcd' });
  });

  it('rejects an invalid put, keeps the config and says so in the fleet status', async () => {
    await writer.put(KEY).value(doc(1));
    const { service, failed } = await boot();
    const put = await writer.put(KEY).value(JSON.stringify({ revision: 0 }));
    await waitFor(() => failed.length === 1, { description: 'the rejection' });
    expect(failed[0]!.error.code).toBe('CONFIG_VALIDATION');
    expect(service.config).toEqual({ revision: 1 });
    await waitFor(
      async () => {
        const text = await writer.get(instanceStatusKey(KEY, 'bot-1')).string();
        const status = text === null ? undefined : parseInstanceStatus(text);
        return status?.state === 'rejected' && status.revision === put.header.revision;
      },
      { description: 'the status record to show the rejection' },
    );
    const status = parseInstanceStatus(
      (await writer.get(instanceStatusKey(KEY, 'bot-1')).string())!,
    )!;
    expect(status).toMatchObject({ version: 1, name: 'default', pid: process.pid });
    expect(status.error).toMatchObject({ code: 'CONFIG_VALIDATION' });
    expect(status.error!.message).toContain('revision');
  });

  it('puts no secret value a DTO message quotes into its fleet status record', async () => {
    await writer.put(KEY).value(doc(1));
    const harness = await bootReloader<LeakyBot>({
      configSource: etcdSource({ hosts: cluster.hosts, key: KEY, instanceId: 'bot-1' }),
      dto: LeakyBot,
      debounceMs: 0,
    });
    harnesses.push(harness as unknown as ReloaderHarness<Bot>);
    const put = await writer.put(KEY).value(JSON.stringify({ revision: 2, apiKey: 'LIVEKEY_77' }));
    const record = await waitFor(
      async () => {
        const text = await writer.get(instanceStatusKey(KEY, 'bot-1')).string();
        const status = text === null ? undefined : parseInstanceStatus(text);
        return status?.revision === put.header.revision ? text! : undefined;
      },
      { description: 'the status record of the rejected put' },
    );
    expect(parseInstanceStatus(record)).toMatchObject({ state: 'rejected' });
    expect(record).toContain('apiKey: failed Matches');
    expect(record).not.toContain('LIVEKEY');
    expect(JSON.stringify(harness.service.getHealth())).not.toContain('LIVEKEY');
  });

  it('writes its status record after the reload, once for decisions in quick succession', async () => {
    await writer.put(KEY).value(doc(1));
    const { service, reloaded } = await boot({ statusDelayMs: 1000 });
    const statusKey = instanceStatusKey(KEY, 'bot-1');
    const record = async () => (await writer.kv.range({ key: Buffer.from(statusKey) })).kvs[0];
    const first = await waitFor(record, { timeoutMs: 5000, description: 'the first record' });
    expect(parseInstanceStatus(first.value.toString())).toMatchObject({ version: 1 });

    for (const revision of [2, 3, 4]) {
      await writer.put(KEY).value(doc(revision));
      await waitFor(() => service.config.revision === revision, { description: `put ${revision}` });
    }
    // Applied, its event sent, and the record not written yet: it waits 500 ms at least.
    expect(reloaded).toHaveLength(3);
    expect((await record())!.version).toBe(first.version);

    const latest = await waitFor(
      async () => {
        const kv = await record();
        return kv && kv.version !== first.version ? kv : undefined;
      },
      { timeoutMs: 5000, description: 'the record of the latest decision' },
    );
    expect(parseInstanceStatus(latest.value.toString())).toMatchObject({ version: 4 });
    // One write for the three decisions: etcd counts every put of a key in its version.
    expect(BigInt(latest.version) - BigInt(first.version)).toBe(1n);
  });

  it('removes its status record on close', async () => {
    await writer.put(KEY).value(doc(1));
    const harness = await boot();
    await waitFor(
      async () => (await writer.get(instanceStatusKey(KEY, 'bot-1')).string()) !== null,
      {
        description: 'the status record',
      },
    );
    await harness.close();
    harnesses.splice(harnesses.indexOf(harness), 1);
    expect(await writer.get(instanceStatusKey(KEY, 'bot-1')).string()).toBeNull();
  });

  it('puts its status record back when its lease is revoked behind its back', async () => {
    await writer.put(KEY).value(doc(1));
    await boot({ statusTtlSeconds: 3 });
    const statusKey = instanceStatusKey(KEY, 'bot-1');
    const leaseOf = async () =>
      (await writer.kv.range({ key: Buffer.from(statusKey) })).kvs[0]?.lease;
    const first = await waitFor(leaseOf, { description: 'the status record' });
    await writer.leaseClient.leaseRevoke({ ID: first });
    await waitFor(async () => ((await leaseOf()) ?? first) !== first, {
      timeoutMs: 10_000, // the next keepalive, a third of the TTL later, finds the lease gone
      description: 'the record under a new lease',
    });
  });

  it('rolls back with compare-and-swap, and refuses when the key moved meanwhile', async () => {
    await writer.put(KEY).value(doc(1));
    const { service, reloaded } = await boot();
    await writer.put(KEY).value(doc(2));
    await waitFor(() => reloaded.length === 1, { description: 'v2' });

    await service.rollback(1);
    expect(service.config).toEqual({ revision: 1 });
    expect(await writer.get(KEY).string()).toBe(doc(1));

    // A change this instance has not applied (watching is off): rollback must not overwrite it.
    await service.stopWatching();
    await writer.put(KEY).value(doc(3));
    const attempt = service.rollback(1);
    await expect(attempt).rejects.toBeInstanceOf(ConfigConflictError);
    expect(await writer.get(KEY).string()).toBe(doc(3));
  });

  it('refuses to start with wrong credentials, saying so, instead of calling etcd unreachable', async () => {
    await writer.put(KEY).value(doc(1));
    await writer.user('root').create('root-secret');
    await writer.user('root').addRole('root');
    await writer.auth.authEnable();
    for (const auth of [{ username: 'root', password: 'wrong-secret' }, undefined]) {
      const started = boot({ cachePath: join(dir, 'cache.json'), ...(auth ? { auth } : {}) });
      const error = await started.then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(ConfigAccessError);
      expect((error as Error).message).toContain(KEY);
      expect((error as Error).message).toMatch(/refused|authentication|permission/i);
      expect((error as Error).message).not.toContain('wrong-secret');
    }
  });

  /** Turns auth on with one user, root, and returns a client signed in as root. */
  async function enableAuth(password: string): Promise<Etcd3> {
    await writer.user('root').create(password);
    await writer.user('root').addRole('root');
    await writer.auth.authEnable();
    return new Etcd3({ hosts: cluster.hosts, auth: { username: 'root', password } });
  }

  /**
   * An instance signed in as root, without a status record: its watch is then the only thing
   * talking to etcd, as with a watch on a member's own client in a cluster, so no other call
   * signs in again on its behalf.
   */
  function bootWatchOnly(password: string) {
    return boot({ auth: { username: 'root', password }, reportStatus: false });
  }

  /** Kills the member and starts it again on its data directory. */
  async function restartEtcd(): Promise<void> {
    const member = cluster.members[0]!;
    await member.kill();
    member.start();
    await member.ready();
  }

  it('signs in again when etcd cancels its watch for a revoked token, and applies the next put', async () => {
    await writer.put(KEY).value(doc(1));
    const admin = await enableAuth('root-secret');
    try {
      const { service, reloaded } = await bootWatchOnly('root-secret');
      // Setting the password, even to the same one, revokes the user's tokens; the watch meets
      // that when it opens again (here: after a restart) and etcd cancels it.
      await admin.user('root').setPassword('root-secret');
      await restartEtcd();
      await admin.put(KEY).value(doc(2));
      await waitFor(() => reloaded.length === 1, {
        timeoutMs: 15_000,
        description: 'the put after the restart to be applied',
      });
      expect(service.config).toEqual({ revision: 2 });
      await waitFor(() => service.getHealth().status === 'up', { description: "health 'up'" });
    } finally {
      admin.close();
    }
  });

  it('says that etcd refuses the credentials, not that it cannot be reached, when they stop working mid-run', async () => {
    await writer.put(KEY).value(doc(1));
    let admin = await enableAuth('root-secret');
    try {
      const { service, reloaded } = await bootWatchOnly('root-secret');
      // The password is rotated, which revokes the instance's token; it still has the old
      // password. Its watch keeps working until it is opened again (here: etcd restarts); etcd
      // then cancels it for its token, and signing in again fails.
      await admin.user('root').setPassword('rotated-secret');
      admin.close();
      admin = new Etcd3({
        hosts: cluster.hosts,
        auth: { username: 'root', password: 'rotated-secret' },
      });
      await restartEtcd();
      await waitFor(() => service.getHealth().lastErrorCode === 'CONFIG_ACCESS', {
        timeoutMs: 15_000,
        description: 'health to say that etcd refuses the credentials',
      });
      const health = service.getHealth();
      expect(health.status).toBe('degraded');
      expect(health.unavailableSince).toBeInstanceOf(Date);
      expect(health.lastError).toContain(KEY);
      expect(health.lastError).toMatch(/refused .*authentication failed/);
      expect(health.lastError).not.toMatch(/cannot reach/i);
      expect(health.lastError).not.toContain('secret');
      expect(service.config).toEqual({ revision: 1 });

      // The old password is back: the instance signs in, and what changed meanwhile applies.
      await admin.put(KEY).value(doc(2));
      await admin.user('root').setPassword('root-secret');
      await waitFor(() => reloaded.length === 1, {
        timeoutMs: 15_000,
        description: 'the change made meanwhile to be applied',
      });
      expect(service.config).toEqual({ revision: 2 });
      expect(service.getHealth()).toMatchObject({ status: 'up', unavailableSince: null });
    } finally {
      admin.close();
    }
  });

  it('says once, not on every retry, that etcd refuses its status record, and when it is written again', async () => {
    await writer.put(KEY).value(doc(1));
    const admin = await enableAuth('root-secret');
    try {
      // A user that may read the config (the key, its canary, overlays and trials) but not write
      // the fleet status under it.
      await admin.role('bot').create();
      await admin.role('bot').grant({ permission: 'Read', key: KEY });
      await admin.role('bot').grant({ permission: 'Read', key: `${KEY}/canary` });
      for (const prefix of ['overlays', 'trials']) {
        await admin
          .role('bot')
          .grant({ permission: 'Read', range: Range.prefix(`${KEY}/${prefix}/`) });
      }
      await admin.user('bot').create('bot-secret');
      await admin.user('bot').addRole('bot');
      // A record is written in a transaction (put only if the record did not move meanwhile).
      const puts = async () => (await callsServed(cluster.members[0]!.clientUrl)).Txn ?? 0;
      const logger = new CapturingLogger();
      const { service } = await boot({ auth: { username: 'bot', password: 'bot-secret' } }, logger);
      expect(service.config).toEqual({ revision: 1 });
      const putsBefore = await puts();

      // The record is retried every second: three attempts refused, one warning.
      await waitFor(async () => (await puts()) >= putsBefore + 3, {
        timeoutMs: 10_000,
        description: 'three attempts to write the status record',
      });
      const refusals = logger.lines.filter((line) =>
        line.text.includes('refused the fleet status'),
      );
      expect(refusals).toHaveLength(1);
      expect(refusals[0]).toMatchObject({ level: 'warn' });
      expect(refusals[0]!.text).toContain('permission denied');
      expect(refusals[0]!.text).toContain(`${KEY}/instances/`);
      expect(refusals[0]!.text).not.toContain('secret');

      // Write access granted: the record is written, and the log says so.
      await admin
        .role('bot')
        .grant({ permission: 'Readwrite', range: Range.prefix(`${KEY}/instances/`) });
      await waitFor(
        async () => (await admin.get(instanceStatusKey(KEY, 'bot-1')).string()) !== null,
        {
          timeoutMs: 10_000,
          description: 'the status record to be written',
        },
      );
      await waitFor(
        () => logger.lines.some((line) => line.text.includes('written to etcd again')),
        {
          description: 'the log to say the record is written again',
        },
      );
      expect(service.getHealth().status).toBe('up');
    } finally {
      admin.close();
    }
  });

  it('fails to start without cachePath while etcd is down', async () => {
    await writer.put(KEY).value(doc(1));
    await cluster.members[0]!.kill();
    const started = Date.now();
    await expect(boot()).rejects.toBeInstanceOf(ConfigSourceUnavailableError);
    await expect(boot()).rejects.toThrow(/cachePath/);
    expect(Date.now() - started).toBeLessThan(15_000);
  });

  it('starts on the cached copy while etcd is down, degraded, and catches up when it returns', async () => {
    const cachePath = join(dir, 'bot.cache.json');
    await writer.put(KEY).value(doc(1));
    const first = await boot({ cachePath });
    await waitFor(
      async () => (await readFile(cachePath, 'utf8').catch(() => '')).includes('revision'),
      {
        description: 'the cache file',
      },
    );
    expect((await stat(cachePath)).mode & 0o777).toBe(0o600);
    await first.close();
    harnesses.splice(0);

    const member = cluster.members[0]!;
    await member.kill();
    const { service, reloaded } = await boot({ cachePath });
    expect(service.config).toEqual({ revision: 1 });
    expect(service.getHealth()).toMatchObject({
      status: 'degraded',
      lastErrorCode: 'CONFIG_UNAVAILABLE',
    });
    expect(service.getHealth().unavailableSince).toBeInstanceOf(Date);

    member.start();
    await member.ready();
    await writer.put(KEY).value(doc(2));
    await waitFor(() => service.config.revision === 2, {
      timeoutMs: 20_000,
      description: 'the change made after etcd returned',
    });
    expect(reloaded).toHaveLength(1);
    // A periodic read may bring the change before the watch's next reconnect attempt (it backs
    // off while etcd is down): health says 'degraded' until the watch is back, then 'up'.
    await waitFor(() => service.getHealth().status === 'up', {
      timeoutMs: 20_000,
      description: 'the watch back, and health up',
    });
    expect(service.getHealth()).toMatchObject({ status: 'up', unavailableSince: null });
  });
});
