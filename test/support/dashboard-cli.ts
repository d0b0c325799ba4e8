import { startCli, type CliResult, type RunningCli } from './config-reloader-cli.js';
import { waitFor } from './wait-for.js';

/** A `config-reloader dashboard` process of the built CLI, on a free loopback port. */
export interface RunningDashboard {
  /** The address it printed on its first line. */
  url: string;
  /** The token it printed on its second line. */
  token: string;
  cli: RunningCli;
  /** Ends it as Ctrl+C would, by its PID, and hands back how it ended. */
  stop(): Promise<CliResult>;
}

const FIRST_LINES = /^dashboard: (http:\/\/\S+)\ntoken: ([0-9a-f]+)\n/;

export async function startDashboard(
  etcdFlags: readonly string[],
  ...more: string[]
): Promise<RunningDashboard> {
  const cli = startCli(['dashboard', ...etcdFlags, '--port', '0', ...more], {
    killAfterMs: 120_000,
  });
  let ended: CliResult | undefined;
  void cli.result.then((result) => (ended = result));
  const [, url, token] = await waitFor(
    () => {
      if (ended) throw new Error(`the dashboard ended: ${JSON.stringify(ended)}`);
      return FIRST_LINES.exec(cli.stdout());
    },
    { timeoutMs: 30_000, intervalMs: 20, description: 'the dashboard to print its address' },
  );
  return {
    url: url!,
    token: token!,
    cli,
    stop: () => {
      if (cli.child.exitCode === null) process.kill(cli.child.pid!, 'SIGTERM');
      return cli.result;
    },
  };
}
