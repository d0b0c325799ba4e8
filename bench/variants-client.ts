import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { epochNow } from './fixtures.js';
import { median } from './stats.js';

/** Markers from here up are vetoed by the vetoing instance: the driver's bad canaries. */
export const VETO_FROM = 40_000;

/** What one process of a variants fleet starts: `count` module instances on one key. */
export interface VariantsStart {
  hosts: string[];
  key: string;
  count: number;
  /** Instance ids are `<idPrefix>-<index>`, indexes from here, unique across the fleet. */
  firstIndex: number;
  idPrefix: string;
  labels: Record<string, string>;
  debounceMs: number;
  statusDelayMs: number;
  /** The index of the instance whose `beforeApply` vetoes markers from VETO_FROM up. */
  vetoIndex?: number;
}

export type VariantsRequest =
  | ({ id: number; op: 'start' } & VariantsStart)
  | { id: number; op: 'ping' }
  | { id: number; op: 'quiet'; maxMs: number }
  | { id: number; op: 'arm'; seq: number; boundMs: number; only?: number }
  | { id: number; op: 'vetoes' }
  | { id: number; op: 'stop' };

export interface VariantsReply {
  id: number;
  error?: string;
  /** ping: this process's clock (epoch ms). */
  at?: number;
  /** vetoes: when the vetoing instance vetoed (epoch ms, its clock) since the last ask. */
  times?: number[];
}

/** Sent unprompted once every armed instance saw `seq` (epoch ms), or null past its bound. */
interface Arrivals {
  op: 'arrivals';
  seq: number;
  times: Array<number | null>;
}

type Request = VariantsRequest extends infer R
  ? R extends { id: number }
    ? Omit<R, 'id'>
    : never
  : never;

/** After 'stop', how long the process may take to exit by itself before it is killed. */
const EXIT_TIMEOUT_MS = 5000;

/** Drives one process of a variants fleet (`bench/variants-worker.ts`) over IPC. */
export class VariantsClient {
  /** This process's clock minus ours, ms; set by `measureOffset()`. */
  offset = 0;
  private nextId = 1;
  private readonly pending = new Map<number, (reply: VariantsReply) => void>();
  private readonly arrivals = new Map<number, (times: Array<number | null>) => void>();
  private readonly exited: Promise<void>;
  private gone: string | undefined;

  private constructor(private readonly child: ChildProcess) {
    child.on('message', (message: VariantsReply | Arrivals) => {
      if ('op' in message) {
        this.arrivals.get(message.seq)?.(message.times);
        this.arrivals.delete(message.seq);
        return;
      }
      this.pending.get(message.id)?.(message);
      this.pending.delete(message.id);
    });
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
    // A process that dies fails whatever waits on it, instead of hanging the run.
    void this.exited.then(() => {
      this.gone = `exited (${child.signalCode ?? child.exitCode})`;
      for (const resolve of this.pending.values()) resolve({ id: 0, error: this.gone });
      this.pending.clear();
    });
  }

  /** Forks the process; `started` settles once its instances watch the key. */
  static fork(start: VariantsStart): { client: VariantsClient; started: Promise<void> } {
    const child = fork(fileURLToPath(new URL('./variants-worker.js', import.meta.url)), [], {
      execArgv: [],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const client = new VariantsClient(child);
    const started = client.request({ op: 'start', ...start }).then(() => client.measureOffset());
    return { client, started };
  }

  /** Its clock minus ours, from the fastest quarter of `rounds` round trips. */
  async measureOffset(rounds = 20): Promise<void> {
    const samples: Array<{ rtt: number; offset: number }> = [];
    for (let i = 0; i < rounds; i++) {
      const sent = epochNow();
      const { at } = await this.request({ op: 'ping' });
      const received = epochNow();
      samples.push({ rtt: received - sent, offset: at! - (sent + received) / 2 });
    }
    samples.sort((a, b) => a.rtt - b.rtt);
    this.offset = median(samples.slice(0, Math.max(1, rounds >> 2)).map((s) => s.offset));
  }

  async quiet(maxMs = 2000): Promise<void> {
    await this.request({ op: 'quiet', maxMs });
  }

  /** Arms the instances (or the one with index `only`) for `seq`; resolves once they are. */
  async arm(
    seq: number,
    boundMs: number,
    only?: number,
  ): Promise<{ arrived: Promise<Array<number | null>> }> {
    const arrived = new Promise<Array<number | null>>((resolve) => this.arrivals.set(seq, resolve));
    await this.request({ op: 'arm', seq, boundMs, ...(only === undefined ? {} : { only }) });
    return { arrived };
  }

  /** When the vetoing instance (if here) vetoed since the last ask, on our clock (epoch ms). */
  async vetoes(): Promise<number[]> {
    const { times } = await this.request({ op: 'vetoes' });
    return times!.map((at) => at - this.offset);
  }

  /** Closes every instance, then waits for the process to exit; false: it had to be killed. */
  async stop(): Promise<boolean> {
    await this.request({ op: 'stop' });
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), EXIT_TIMEOUT_MS);
    });
    const exited = await Promise.race([this.exited.then(() => true), timedOut]);
    clearTimeout(timer);
    if (!exited) await this.kill();
    return exited;
  }

  /** For the error path: the process goes, whatever it was doing. */
  async kill(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.child.kill('SIGKILL');
    await this.exited;
  }

  private async request(request: Request): Promise<VariantsReply> {
    const id = this.nextId++;
    const reply = await new Promise<VariantsReply>((resolve) => {
      if (this.gone) return resolve({ id, error: this.gone });
      this.pending.set(id, resolve);
      this.child.send({ ...request, id });
    });
    if (reply.error) throw new Error(`variants process ${this.child.pid}: ${reply.error}`);
    return reply;
  }
}
