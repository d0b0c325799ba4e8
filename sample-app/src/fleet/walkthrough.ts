import { SCHEMA_PATH } from '../config/paths.js';
import type { CliRun, FleetCli } from './fleet-cli.js';
import { waitUntil } from './wait-until.js';

/** The files the walkthrough publishes, in a temporary directory. */
export interface FleetFiles {
  /** The sample's config, as the fleet's base document. */
  base: string;
  /** `{ "botName": "trend-btc" }` for the BTC bot. */
  btcPatch: string;
  /** The two arms of an A/B test of `regimes.trending.minTrendStrength`. */
  armA: string;
  armB: string;
  /** The base with `regimes.ranging.exposureMultiplier` 1.2: above the BTC bot's own limit. */
  risky: string;
  /** The base with `regimes.ranging.exposureMultiplier` 0.6: within every bot's limit. */
  safe: string;
}

export interface Walkthrough {
  cli: FleetCli;
  files: FleetFiles;
  print: (line: string) => void;
  startBots: () => Promise<void>;
}

/** Every command checks the config locally with the schema the bots generate from their DTO. */
const SCHEMA = ['--schema', SCHEMA_PATH];

/** The walkthrough; throws when a command exits other than the step expects. */
export async function walkThrough({ cli, files, print, startBots }: Walkthrough): Promise<void> {
  const section = (title: string) => print(`\n## ${title}\n`);
  const settled = () => fleetSettled(cli);

  section('1. Publish the base config, start three bots on it');
  expectExit(await cli.run(['publish', files.base, ...SCHEMA]), 0, 'the base is published');
  await startBots();
  await settled();
  expectExit(await cli.run(['status']), 0, 'every bot runs the base');

  section('2. Overlays: a patch for the BTC bot, and an A/B pair split by percentage');
  const overlay = (name: string, match: string, patch: string) =>
    cli.run(['overlay', 'set', name, '--match', match, patch, ...SCHEMA]);
  expectExit(await overlay('btc', 'symbol=BTC', files.btcPatch), 0, 'overlay btc is set');
  // One seed, two disjoint ranges: every bot is in exactly one arm, and stays there.
  expectExit(await overlay('arm-a', '0%..50%,seed=exp-2', files.armA), 0, 'arm A is set');
  expectExit(await overlay('arm-b', '50%..100%,seed=exp-2', files.armB), 0, 'arm B is set');
  await settled();
  expectExit(await cli.run(['status']), 0, 'each bot runs its variant');

  section('3. A trial: every bot judges a candidate as a reload would, and applies nothing');
  // The BTC bot's own exposure limit (MAX_EXPOSURE=1) refuses it: found before anyone runs it.
  const trial = await cli.run(['publish', files.risky, '--dry-run', '--wait', ...SCHEMA]);
  expectExit(trial, 5, 'the BTC bot rejects the trial');

  section('4. A canary on the BTC bot: it refuses the candidate and aborts the canary itself');
  // No --wait: nobody watches, and the canary is undone all the same.
  expectExit(
    await cli.run(['publish', files.risky, '--canary', 'symbol=BTC', ...SCHEMA]),
    0,
    'the canary is created',
  );
  await canaryAborted(cli);
  expectExit(await cli.run(['canary', 'status']), 0, 'the aborted canary shows who and why');
  await settled();

  section('5. A canary on the ETH bot: applied, baked, promoted to the whole fleet');
  const promote = ['--canary', 'symbol=ETH', '--wait', '--bake', '2s', '--promote'];
  expectExit(await cli.run(['publish', files.safe, ...promote, ...SCHEMA]), 0, 'promoted');
  expectExit(await cli.run(['status']), 0, 'every bot runs the promoted config');
}

/** Waits until a member marked the canary aborted (`canary status --json` says by whom). */
async function canaryAborted(cli: FleetCli): Promise<void> {
  await waitUntil('a member to abort the canary', 30_000, async () => {
    const run = await cli.run(['canary', 'status', '--json'], { quiet: true });
    return (
      run.code === 0 && (JSON.parse(run.stdout) as { aborted?: unknown }).aborted !== undefined
    );
  });
}

/** Waits until `status` says every live bot applied what is published (exit 0). */
async function fleetSettled(cli: FleetCli): Promise<void> {
  let last: CliRun | undefined;
  try {
    await waitUntil('every bot to apply the latest change', 30_000, async () => {
      last = await cli.run(['status'], { quiet: true });
      return last.code === 0;
    });
  } catch (error) {
    throw new Error(`${(error as Error).message}; status said:\n${last?.stdout}${last?.stderr}`);
  }
}

function expectExit(run: CliRun, code: number, what: string): void {
  if (run.code !== code) {
    throw new Error(`expected exit ${code} (${what}), got ${run.code}`);
  }
}
