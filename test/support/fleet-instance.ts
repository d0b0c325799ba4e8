import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { waitFor } from './wait-for.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const botScript = fileURLToPath(new URL('../fixtures/etcd-bot.mjs', import.meta.url));

/** A line the bot printed: `{ event: 'ready' | 'reloaded' | 'failed' | 'closed', ... }`. */
export type BotLine = { event: string; [field: string]: unknown };

/**
 * One instance of a fleet in its own Node process (`test/fixtures/etcd-bot.mjs`, the built
 * library), with everything it printed and how it ended. Needs `npm run build` first.
 */
export class FleetInstance {
  readonly lines: BotLine[] = [];
  stderr = '';
  exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  private readonly child: ChildProcess;

  private constructor(
    hosts: string[],
    key: string,
    readonly instanceId: string,
    veto?: string,
    vetoWhile?: string,
  ) {
    const args = [
      botScript,
      hosts.join(','),
      key,
      instanceId,
      ...(veto ? ['--veto', veto] : []),
      ...(veto && vetoWhile ? ['--veto-while', vetoWhile] : []),
    ];
    this.child = spawn(process.execPath, args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let pending = '';
    this.child.stdout!.on('data', (chunk: Buffer) => {
      pending += chunk.toString();
      const complete = pending.split('\n');
      pending = complete.pop()!;
      for (const line of complete) if (line.trim()) this.lines.push(JSON.parse(line) as BotLine);
    });
    this.child.stderr!.on('data', (chunk: Buffer) => void (this.stderr += chunk.toString()));
    this.child.on('exit', (code, signal) => void (this.exit = { code, signal }));
  }

  /**
   * Starts an instance and resolves once it has loaded its config. `veto`: its beforeApply
   * refuses a config in which that field is true; with `vetoWhile`, only while that file exists.
   */
  static async start(
    hosts: string[],
    key: string,
    instanceId: string,
    { veto, vetoWhile }: { veto?: string; vetoWhile?: string } = {},
  ): Promise<FleetInstance> {
    const instance = new FleetInstance(hosts, key, instanceId, veto, vetoWhile);
    await instance.next((line) => line.event === 'ready', `${instanceId} to start`);
    return instance;
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /** The first line (already printed or still to come) that matches. */
  next(matches: (line: BotLine) => boolean, description: string, timeoutMs = 15_000) {
    return waitFor(
      () => {
        if (this.exit && !this.lines.some(matches)) {
          throw new Error(
            `${this.instanceId} exited (${JSON.stringify(this.exit)}): ${this.stderr}`,
          );
        }
        return this.lines.find(matches);
      },
      { timeoutMs, description },
    );
  }

  /** SIGTERM: the app closes; resolves with how long the process took to exit by itself. */
  async terminate(timeoutMs = 10_000): Promise<number> {
    const started = Date.now();
    this.child.kill('SIGTERM');
    await waitFor(() => this.exit, { timeoutMs, description: `${this.instanceId} to exit` });
    return Date.now() - started;
  }

  /** SIGKILL: dies at once, without a word to etcd. */
  async kill(): Promise<void> {
    if (this.exit) return;
    this.child.kill('SIGKILL');
    await waitFor(() => this.exit, { description: `${this.instanceId} to die` });
  }
}
