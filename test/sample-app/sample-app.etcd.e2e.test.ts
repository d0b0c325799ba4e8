import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { Etcd3 } from 'etcd3';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG_PATH } from '../../sample-app/src/config/paths.js';
import { instancesPrefix, parseInstanceStatus } from '../../lib/sources/etcd/index.js';
import { buildOnce } from '../support/build-once.js';
import { EtcdCluster, skipWithoutEtcd } from '../support/etcd-cluster.js';
import { SampleBot } from '../support/sample-bot.js';
import { waitFor } from '../support/wait-for.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const KEY = '/bots/trend/config';

const missing = skipWithoutEtcd('the sample bot on etcd');

async function configOf(url: string): Promise<{ version: number; config: { botName: string } }> {
  return (await fetch(`${url}/config`)).json() as Promise<{
    version: number;
    config: { botName: string };
  }>;
}

/** `npm run fleet` after its build: the walkthrough checks each command's exit code itself. */
function runFleet(): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['sample-app/dist/fleet/fleet.js'],
      { cwd: root, timeout: 150_000, env: { ...process.env, NO_COLOR: '1' } },
      (error, stdout, stderr) => {
        resolve({ code: error ? Number(error.code ?? 1) : 0, output: stdout + stderr });
      },
    );
  });
}

describe.skipIf(missing !== undefined)('the sample bot on etcd (CONFIG_SOURCE=etcd)', () => {
  let cluster: EtcdCluster | undefined;
  let writer: Etcd3 | undefined;
  const bots: SampleBot[] = [];

  beforeAll(async () => {
    await buildOnce('sample-app');
  }, 120_000);

  afterEach(async () => {
    for (const bot of bots.splice(0)) await bot.stop();
    writer?.close();
    await cluster?.stop();
    cluster = writer = undefined;
  });

  it('runs two bots on one key: both load it, both apply a published change', async () => {
    cluster = await EtcdCluster.start(1);
    writer = new Etcd3({ hosts: cluster.hosts });
    const sample = JSON.parse(await readFile(DEFAULT_CONFIG_PATH, 'utf8')) as { botName: string };
    await writer.put(KEY).value(JSON.stringify(sample));
    const env = { CONFIG_SOURCE: 'etcd', ETCD_HOSTS: cluster.hosts.join(','), ETCD_KEY: KEY };
    bots.push(
      new SampleBot({ ...env, INSTANCE_ID: 'bot-a' }),
      new SampleBot({ ...env, INSTANCE_ID: 'bot-b' }),
    );
    const urls = await Promise.all(bots.map((bot) => bot.url()));
    for (const url of urls) expect((await configOf(url)).config.botName).toBe(sample.botName);

    await writer.put(KEY).value(JSON.stringify({ ...sample, botName: 'trend-following-v2' }));
    for (const url of urls) {
      await waitFor(async () => (await configOf(url)).config.botName === 'trend-following-v2', {
        description: `${url} to apply the change`,
      });
    }
    const fleet = Object.values(await writer.getAll().prefix(instancesPrefix(KEY)).strings());
    const ids = fleet.map((text) => parseInstanceStatus(text)!.instanceId).sort();
    expect(ids).toEqual(['bot-a', 'bot-b']);
    expect(bots[0]!.output).toContain(`Following etcd:${KEY}`);
  }, 60_000);

  it('refuses to start with a clear message when etcd settings are missing', async () => {
    const bot = new SampleBot({ CONFIG_SOURCE: 'etcd' });
    bots.push(bot);
    await new Promise((resolve) => bot.process.once('exit', resolve));
    expect(bot.process.exitCode).toBe(1);
    expect(bot.output).toContain('CONFIG_SOURCE=etcd needs ETCD_HOSTS');
  });

  it('runs as a small fleet (npm run fleet): three labelled bots through overlays, an A/B pair, a trial and two canaries', async () => {
    const { code, output } = await runFleet();
    expect(code, output).toBe(0);
    // Each bot runs its own variant: the BTC patch for the BTC bot, one arm of the A/B pair each.
    expect(output).toMatch(/bot-btc .* applied .* \+arm-b \+btc/);
    expect(output).toMatch(/bot-eth .* applied .* \+arm-a\s*$/m);
    // The trial finds the bot whose own limit refuses the candidate, and nothing is applied.
    expect(output).toMatch(
      /rejected\s+bot-btc .*CONFIG_REJECTED.*exposure limit 1 \(MAX_EXPOSURE\)/,
    );
    expect(output).toMatch(/accepted\s+bot-eth/);
    // A canary the BTC bot refuses is aborted by that bot itself, and says who and why; the
    // bot is back on the base, not behind.
    expect(output).toMatch(
      /aborted\s+bot-btc: CONFIG_REJECTED: .*exposure limit 1 \(MAX_EXPOSURE\) \(it marked/,
    );
    expect(output).toMatch(/base\s+bot-btc on .*: back on the base \(applied at revision \d+\)/);
    expect(output).not.toMatch(/behind\s+bot-btc/);
    // One the ETH bot runs through a bake is promoted, and the whole fleet applies it.
    expect(output).toMatch(/promoted canary canary-\w+ -> "\/bots\/trend" at revision (\d+)/);
    expect(output).toMatch(/rolled out: all 3 live instance\(s\) applied revision \d+/);
    // The exchange keys of the published config never show.
    expect(output).not.toContain('sk_paper_');
    expect(output).not.toContain('pk_paper_');
    // Everything it started is stopped: no bot or etcd outlives it (it exited by itself).
    expect(output).not.toMatch(/^fleet: /m);
  }, 160_000);
});
