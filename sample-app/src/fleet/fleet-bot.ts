import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { waitUntil } from './wait-until.js';

const BOT = fileURLToPath(new URL('../main.js', import.meta.url));

/** One sample bot of the fleet, a process of its own, as it would run on a server of its own. */
export interface FleetBotSpec {
  instanceId: string;
  /** `symbol=BTC,region=eu` */
  labels: string;
  /** The bot's own exposure cap (MAX_EXPOSURE); absent: none. */
  maxExposure?: number;
}

export class FleetBot {
  private output = '';
  private constructor(
    readonly spec: FleetBotSpec,
    private readonly child: ChildProcess,
  ) {
    const keep = (chunk: Buffer) => void (this.output += chunk.toString());
    child.stdout!.on('data', keep);
    child.stderr!.on('data', keep);
  }

  static async start(spec: FleetBotSpec, etcdUrl: string, key: string): Promise<FleetBot> {
    const child = spawn(process.execPath, [BOT], {
      env: {
        ...process.env,
        CONFIG_SOURCE: 'etcd',
        ETCD_HOSTS: etcdUrl,
        ETCD_KEY: key,
        INSTANCE_ID: spec.instanceId,
        LABELS: spec.labels,
        MAX_EXPOSURE: spec.maxExposure === undefined ? '' : String(spec.maxExposure),
        PORT: '0',
        // No simulated orders: no hold delays the walkthrough's changes.
        AUTO_TRADE: 'false',
        NO_COLOR: '1',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const bot = new FleetBot(spec, child);
    await waitUntil(`${spec.instanceId} to listen`, 30_000, () => {
      if (child.exitCode !== null) {
        throw new Error(`${spec.instanceId} exited with code ${child.exitCode}:\n${bot.output}`);
      }
      return /Listening on http:\/\/\S+/.test(bot.output);
    });
    return bot;
  }

  /** Log lines of this bot that match `pattern`, as it printed them. */
  linesMatching(pattern: RegExp): string[] {
    return this.output.split('\n').filter((line) => pattern.test(line));
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    this.child.kill('SIGTERM');
    await exited;
  }
}
