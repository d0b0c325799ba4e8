import { Etcd3 } from 'etcd3';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach } from 'vitest';
import { etcdMemberAndCli, configReloader } from './config-reloader-cli.js';
import { type EtcdCluster } from './etcd-cluster.js';

/**
 * What the `overlay` command tests share: one etcd member and the built CLI for the suite, a
 * config key of its own per test holding `base`, and files in a temp dir. Call it inside the
 * suite's describe; the hooks it registers start and stop everything.
 */
export function overlayCliPerSuite(base: object) {
  let cluster: EtcdCluster;
  let client: Etcd3;
  let dir: string;
  let n = 0;
  let key: string;

  beforeAll(async () => {
    cluster = await etcdMemberAndCli();
    client = new Etcd3({ hosts: cluster.hosts });
    dir = await mkdtemp(join(tmpdir(), 'overlay-cli-'));
  }, 60_000);

  afterAll(async () => {
    client?.close();
    await cluster?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  beforeEach(async () => {
    key = `/bots/overlay-${n++}`;
    await client.put(key).value(JSON.stringify(base));
  });

  const etcdFlags = () => ['--etcd', cluster.hosts.join(','), '--key', key];
  const recordKey = (name: string) => `${key}/overlays/${name}`;
  return {
    get hosts() {
      return cluster.hosts;
    },
    get client() {
      return client;
    },
    /** The config key of the running test. */
    get key() {
      return key;
    },
    etcdFlags,
    recordKey,
    /** Where a file of that name goes in the suite's temp dir (one nobody wrote is missing). */
    pathOf: (name: string) => join(dir, name),
    /** Writes a file in the suite's temp dir (JSON unless a string); its path. */
    async file(name: string, content: unknown): Promise<string> {
      const path = join(dir, name);
      await writeFile(path, typeof content === 'string' ? content : JSON.stringify(content));
      return path;
    },
    /** The overlay's record as etcd holds it; undefined when there is none. */
    stored: async (name: string) => (await client.get(recordKey(name)).exec()).kvs[0],
    overlayKeys: () => client.getAll().prefix(`${key}/overlays/`).keys(),
    set: (name: string, match: string, patchFile: string, ...more: string[]) =>
      configReloader('overlay', 'set', name, '--match', match, patchFile, ...etcdFlags(), ...more),
    list: (...more: string[]) => configReloader('overlay', 'list', ...etcdFlags(), ...more),
    rm: (name: string) => configReloader('overlay', 'rm', name, ...etcdFlags()),
  };
}
