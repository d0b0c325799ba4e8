import { Etcd3 } from 'etcd3';
import { execFile, spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCli, root, startCli, type CliResult } from '../../support/config-reloader-cli.js';
import { EtcdCluster, EtcdMember, freePort, skipWithoutEtcd } from '../../support/etcd-cluster.js';

const sampleConfig = join(root, 'sample-app', 'config', 'trend_following.json');
const missing = skipWithoutEtcd('the etcd credential tests of the CLI');

const noOpenssl = spawnSync('openssl', ['version']).status === 0 ? undefined : 'no openssl';

const PASSWORD = 'root-Pa55word-never-shown';
const WRONG = 'wrong-Pa55word-never-shown';

/** Nothing the CLI printed holds a password, in any of its forms. */
function expectNoSecret(result: CliResult): void {
  for (const secret of [PASSWORD, WRONG, 'Pa55word']) {
    expect(result.stdout).not.toContain(secret);
    expect(result.stderr).not.toContain(secret);
  }
}

const run = (args: string[], env: NodeJS.ProcessEnv = {}) =>
  startCli(args, {
    env: {
      ETCD_USER: '',
      ETCD_PASSWORD: '',
      ETCD_PASSWORD_FILE: '',
      ETCD_CACERT: '',
      ETCD_CERT: '',
      ETCD_KEY_FILE: '',
      ...env,
    },
  }).result;

describe('etcd credentials on the command line', () => {
  let dir: string;

  beforeAll(async () => {
    [dir] = await Promise.all([mkdtemp(join(tmpdir(), 'cli-credentials-')), buildCli()]);
  }, 60_000);

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('never echoes the user-info of an --etcd URL that cannot be reached (exit 7)', async () => {
    const flags = ['--etcd', `http://bot:${PASSWORD}@127.0.0.1:1`, '--key', '/bots/x'];
    for (const args of [
      ['publish', sampleConfig, ...flags],
      ['status', ...flags, '--json'],
    ]) {
      const result = await run(args);
      expect(result.code).toBe(7);
      expect(result.stderr).toContain('cannot reach etcd at http://127.0.0.1:1 (key "/bots/x")');
      expect(result.stderr).not.toContain('bot:');
      expectNoSecret(result);
    }
  });

  it('exits 3 naming a TLS or password file it cannot read, before talking to etcd', async () => {
    const flags = ['--etcd', 'http://127.0.0.1:1', '--key', '/bots/x'];
    const absent = join(dir, 'absent-ca.pem');
    for (const [args, env] of [
      [['status', ...flags, '--cacert', absent], {}],
      [['status', ...flags], { ETCD_CACERT: absent }],
      [['publish', sampleConfig, ...flags, '--user', 'bot', '--password-file', absent], {}],
    ] as const) {
      const result = await run([...args], env);
      expect(result.code).toBe(3);
      expect(result.stderr).toContain(absent);
      expect(result.stderr).not.toContain('cannot reach');
    }
  });

  it('refuses a password in --user and a password without a user (exit 2)', async () => {
    const flags = ['--etcd', 'http://127.0.0.1:1', '--key', '/bots/x'];
    const colon = await run(['status', ...flags, '--user', `bot:${PASSWORD}`]);
    expect(colon.code).toBe(2);
    expect(colon.stderr).toContain('--password-file');
    expectNoSecret(colon);
    const alone = await run(['status', ...flags], { ETCD_PASSWORD: PASSWORD });
    expect(alone.code).toBe(2);
    expect(alone.stderr).toContain('ETCD_USER');
    expectNoSecret(alone);
  });

  describe.skipIf(missing !== undefined)('against an etcd with auth enabled', () => {
    let cluster: EtcdCluster;
    let admin: Etcd3;
    let passwordFile: string;
    let wrongFile: string;
    let host: string;
    let n = 0;

    beforeAll(async () => {
      cluster = await EtcdCluster.start(1);
      host = cluster.hosts[0]!;
      const setup = new Etcd3({ hosts: cluster.hosts });
      try {
        await setup.user('root').create(PASSWORD);
        await setup.user('root').addRole('root');
        await setup.auth.authEnable();
      } finally {
        setup.close();
      }
      admin = new Etcd3({ hosts: cluster.hosts, auth: { username: 'root', password: PASSWORD } });
      passwordFile = join(dir, 'password');
      wrongFile = join(dir, 'wrong-password');
      // As `echo secret > file` leaves it: the trailing newline is not part of the password.
      await writeFile(passwordFile, `${PASSWORD}\n`, { mode: 0o600 });
      await writeFile(wrongFile, `${WRONG}\n`, { mode: 0o600 });
    }, 60_000);

    afterAll(async () => {
      admin?.close();
      await cluster?.stop();
    });

    const nextKey = () => `/bots/auth-${n++}`;
    const revisionOf = async (key: string) => (await admin.get(key).exec()).kvs[0]?.mod_revision;

    it('publishes and shows the status with --user and --password-file', async () => {
      const key = nextKey();
      const flags = [
        '--etcd',
        host,
        '--key',
        key,
        '--user',
        'root',
        '--password-file',
        passwordFile,
      ];
      const published = await run(['publish', sampleConfig, ...flags]);
      expect(published.code).toBe(0);
      const revision = await revisionOf(key);
      expect(published.stdout).toContain(`-> "${key}" at revision ${revision}`);
      const status = await run(['status', ...flags]);
      expect(status.code).toBe(0);
      expect(status.stdout).toContain(`"${key}" published at revision ${revision} (etcd ${host})`);
      expectNoSecret(published);
      expectNoSecret(status);
    });

    it('takes ETCD_USER with ETCD_PASSWORD or ETCD_PASSWORD_FILE from the environment', async () => {
      const key = nextKey();
      const flags = ['--etcd', host, '--key', key];
      const published = await run(['publish', sampleConfig, ...flags, '--wait'], {
        ETCD_USER: 'root',
        ETCD_PASSWORD: PASSWORD,
      });
      expect(published.code).toBe(0);
      expect(published.stderr).toContain('nothing to wait for');
      const status = await run(['status', ...flags, '--json'], {
        ETCD_USER: 'root',
        ETCD_PASSWORD_FILE: passwordFile,
      });
      expect(status.code).toBe(0);
      expect(JSON.parse(status.stdout)).toMatchObject({ publishedRevision: await revisionOf(key) });
    });

    it('takes the user-info of the URL as credentials, and never shows it', async () => {
      const key = nextKey();
      const withUser = host.replace('://', `://root:${encodeURIComponent(PASSWORD)}@`);
      const flags = ['--etcd', withUser, '--key', key];
      const published = await run(['publish', sampleConfig, ...flags]);
      expect(published.code).toBe(0);
      const status = await run(['status', ...flags]);
      expect(status.code).toBe(0);
      expect(status.stdout).toContain(`(etcd ${host})`);
      expect(status.stdout).not.toContain('root:');
      expectNoSecret(published);
      expectNoSecret(status);
    });

    it('exits 3 with a clear message, and no password, when the credentials are wrong', async () => {
      const key = nextKey();
      const wrongUrl = host.replace('://', `://root:${WRONG}@`);
      for (const [args, env] of [
        [
          ['status', '--etcd', host, '--key', key, '--user', 'root', '--password-file', wrongFile],
          {},
        ],
        [
          ['publish', sampleConfig, '--etcd', host, '--key', key],
          { ETCD_USER: 'root', ETCD_PASSWORD: WRONG },
        ],
        [['status', '--etcd', wrongUrl, '--key', key], {}],
      ] as const) {
        const result = await run([...args], env);
        expect(result.code).toBe(3);
        expect(result.stderr).toContain(`etcd at ${host} refused`);
        expect(result.stderr).toMatch(/authentication failed/);
        expect(result.stderr).toContain('--password-file');
        expectNoSecret(result);
      }
      expect(await revisionOf(key)).toBeUndefined();
    });

    it('says that etcd wants a user when none is given (exit 3)', async () => {
      const result = await run(['status', '--etcd', host, '--key', nextKey()]);
      expect(result.code).toBe(3);
      expect(result.stderr).toContain('user name is empty');
      expect(result.stderr).toContain('--user');
    });
  });

  describe.skipIf(missing !== undefined || noOpenssl !== undefined)('against etcd on https', () => {
    let member: EtcdMember;
    let tlsDir: string;
    let host: string;
    let caFile: string;

    /** A CA of its own and a server certificate for 127.0.0.1 signed by it. */
    async function makeCertificates(): Promise<void> {
      const openssl = (command: string) =>
        promisify(execFile)('openssl', command.split(' '), { cwd: tlsDir });
      const newKey = '-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes';
      await openssl(`req -x509 ${newKey} -keyout ca.key -out ca.pem -days 1 -subj /CN=test-ca`);
      await openssl(`req ${newKey} -keyout server.key -out server.csr -subj /CN=etcd`);
      await writeFile(join(tlsDir, 'san.ext'), 'subjectAltName=IP:127.0.0.1\n');
      await openssl(
        'x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out server.pem ' +
          '-days 1 -extfile san.ext',
      );
    }

    beforeAll(async () => {
      tlsDir = await mkdtemp(join(tmpdir(), 'etcd-tls-'));
      caFile = join(tlsDir, 'ca.pem');
      await makeCertificates();
      const [client, peer, metrics] = [await freePort(), await freePort(), await freePort()];
      host = `https://127.0.0.1:${client}`;
      const peerUrl = `http://127.0.0.1:${peer}`;
      // Health is asked on the plain metrics URL: the client URL wants the test CA.
      member = new EtcdMember('tls', `http://127.0.0.1:${metrics}`, [
        '--name=tls',
        `--data-dir=${join(tlsDir, 'data')}`,
        `--listen-client-urls=${host}`,
        `--advertise-client-urls=${host}`,
        `--listen-peer-urls=${peerUrl}`,
        `--initial-advertise-peer-urls=${peerUrl}`,
        `--initial-cluster=tls=${peerUrl}`,
        `--listen-metrics-urls=http://127.0.0.1:${metrics}`,
        `--cert-file=${join(tlsDir, 'server.pem')}`,
        `--key-file=${join(tlsDir, 'server.key')}`,
        '--log-level=error',
      ]);
      member.start();
      await member.ready();
    }, 60_000);

    afterAll(async () => {
      await member?.kill();
      await rm(tlsDir, { recursive: true, force: true });
    });

    it('publishes and shows the status over https with --cacert or ETCD_CACERT', async () => {
      const flags = ['--etcd', host, '--key', '/bots/tls'];
      const published = await run(['publish', sampleConfig, ...flags, '--cacert', caFile]);
      expect(published.stderr).not.toContain('config-reloader:');
      expect(published.code).toBe(0);
      const status = await run(['status', ...flags], { ETCD_CACERT: caFile });
      expect(status.code).toBe(0);
      expect(status.stdout).toContain(`"/bots/tls" published at revision`);
      const client = new Etcd3({
        hosts: host,
        credentials: { rootCertificate: await readFile(caFile) },
      });
      try {
        expect((await client.get('/bots/tls').exec()).kvs).toHaveLength(1);
      } finally {
        client.close();
      }
    });

    it('does not trust the server without its CA', async () => {
      const result = await run([
        'status',
        '--etcd',
        host,
        '--key',
        '/bots/tls',
        '--dial-timeout',
        '1s',
      ]);
      expect(result.code).not.toBe(0);
      expect(result.stdout).not.toContain('published at revision');
    });
  });
});
