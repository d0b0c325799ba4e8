import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Logger } from '@nestjs/common';
import { DEFAULT_CONFIG_PATH } from '../config/paths.js';
import { FleetBot, type FleetBotSpec } from './fleet-bot.js';
import { FleetCli } from './fleet-cli.js';
import { LocalEtcd } from './local-etcd.js';
import { walkThrough, type FleetFiles } from './walkthrough.js';

const KEY = '/bots/trend';

/** Three bots, one config key: the BTC bot runs under a tighter exposure limit of its own. */
const BOTS: FleetBotSpec[] = [
  { instanceId: 'bot-btc', labels: 'symbol=BTC,region=eu', maxExposure: 1 },
  { instanceId: 'bot-eth', labels: 'symbol=ETH,region=eu' },
  { instanceId: 'bot-sol', labels: 'symbol=SOL,region=us' },
];

/**
 * `npm run fleet`: a local etcd, three sample bots on one key, and a walk through changing
 * them safely (overlays, an A/B pair, a trial, a canary that aborts itself, one that is
 * promoted), printed as the commands and what they answered. Exits 1 when a command answers
 * other than the walkthrough expects. Everything it starts is stopped at the end.
 */
async function main(): Promise<number> {
  const print = (line: string) => process.stdout.write(`${line}\n`);
  const work = await mkdtemp(join(tmpdir(), 'sample-fleet-'));
  const files = await writeFleetFiles(work);
  let etcd: LocalEtcd | undefined;
  const bots: FleetBot[] = [];
  try {
    etcd = await LocalEtcd.start();
    print(`etcd: ${etcd.clientUrl} (a member of its own, data in a temporary directory)`);
    const cli = new FleetCli(etcd.clientUrl, KEY, print);
    await walkThrough({
      cli,
      files,
      print,
      startBots: () => startBots(etcd!.clientUrl, bots, print),
    });
    return 0;
  } catch (error) {
    print(`fleet: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  } finally {
    await Promise.all(bots.map((bot) => bot.stop()));
    await etcd?.stop();
    await rm(work, { recursive: true, force: true });
  }
}

async function startBots(etcdUrl: string, bots: FleetBot[], print: (line: string) => void) {
  await Promise.all(
    BOTS.map(async (spec) => {
      bots.push(await FleetBot.start(spec, etcdUrl, KEY));
      const limit = spec.maxExposure === undefined ? '' : `, MAX_EXPOSURE=${spec.maxExposure}`;
      print(`started ${spec.instanceId} (LABELS=${spec.labels}${limit})`);
    }),
  );
}

/** The base config, the overlays' patches and two candidates, next to each other in `dir`. */
async function writeFleetFiles(dir: string): Promise<FleetFiles> {
  const base = join(dir, 'trend_following.json');
  await copyFile(DEFAULT_CONFIG_PATH, base);
  const document = JSON.parse(await readFile(base, 'utf8')) as {
    regimes: { ranging: { exposureMultiplier: number } };
  };
  const write = async (name: string, value: unknown) => {
    const path = join(dir, name);
    await writeFile(path, `${JSON.stringify(value, null, 2)}\n`);
    return path;
  };
  const withRanging = (exposureMultiplier: number) => ({
    ...document,
    regimes: { ...document.regimes, ranging: { ...document.regimes.ranging, exposureMultiplier } },
  });
  return {
    base,
    btcPatch: await write('btc.json', { botName: 'trend-btc' }),
    armA: await write('arm-a.json', { regimes: { trending: { minTrendStrength: 0.3 } } }),
    armB: await write('arm-b.json', { regimes: { trending: { minTrendStrength: 0.4 } } }),
    risky: await write('ranging-1.2.json', withRanging(1.2)),
    safe: await write('ranging-0.6.json', withRanging(0.6)),
  };
}

// The bots log through Nest in their own processes; this process only prints the walkthrough.
Logger.overrideLogger(false);
main().then(
  (code) => (process.exitCode = code),
  (error: unknown) => {
    process.stderr.write(`fleet: ${String(error)}\n`);
    process.exitCode = 1;
  },
);
