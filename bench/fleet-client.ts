import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { epochNow } from './fixtures.js';
import { median } from './stats.js';

/**
 * 'module': Nest apps with ConfigReloaderModule over etcdSource(); 'bare': plain etcd3 watchers
 * that JSON.parse the value; 'validated': the same watchers, which also run the bare pipeline
 * (Ajv + DTO in full, as the module validates).
 */
export type FleetKind = 'module' | 'bare' | 'validated';

export interface FleetStart {
  kind: FleetKind;
  /** Instances this process hosts, each with an etcd client of its own. */
  count: number;
  /** Instance ids start here, so that ids are unique across processes. */
  firstIndex: number;
  hosts: string[];
  key: string;
  debounceMs: number;
  /** Module: keep the fleet status record (etcdSource's default); off to see what it costs. */
  reportStatus?: boolean;
  /** Module: etcdSource's `statusDelayMs`, which the driver waits out between puts. */
  statusDelayMs?: number;
}

export type FleetRequest =
  | ({ id: number; op: 'start' } & FleetStart)
  | { id: number; op: 'ping' }
  | { id: number; op: 'cpu' }
  | { id: number; op: 'quiet'; maxMs: number }
  | { id: number; op: 'arm'; seq: number; boundMs: number }
  | { id: number; op: 'health' }
  | { id: number; op: 'stop'; lastSeq: number };

export interface FleetReply {
  id: number;
  error?: string;
  /** ping: this process's clock (epoch ms). */
  at?: number;
  /** cpu: process.cpuUsage(), user + system, microseconds since the process started. */
  cpuMicros?: number;
  /** cpu: changes seen so far, summed over the instances ('config_reloaded' or parsed 'put'). */
  changes?: number;
  /** start: how long the instances took to start, ms. */
  startMs?: number;
  /** stop: instances whose config in force (module) or last value (bare) is `lastSeq`'s. */
  upToDate?: number;
  /** health: instances whose health is 'up' (module; a bare instance always counts). */
  up?: number;
}

/** Sent unprompted once every instance of the process saw `seq`, or its bound ran out. */
export interface FleetArrivals {
  op: 'arrivals';
  seq: number;
  /** Arrival time per instance (epoch ms), null for an instance that never saw it in time. */
  times: Array<number | null>;
}

type Request = FleetRequest extends infer R
  ? R extends { id: number }
    ? Omit<R, 'id'>
    : never
  : never;

/** After 'stop', how long the process may take to exit by itself before it is killed. */
const EXIT_TIMEOUT_MS = 5000;

/** Drives one fleet process (`bench/fleet-worker.ts`) over IPC. */
export class FleetClient {
  private nextId = 1;
  private readonly pending = new Map<number, (reply: FleetReply) => void>();
  private readonly arrivals = new Map<number, (times: Array<number | null>) => void>();
  private readonly exited: Promise<void>;
  private gone: string | undefined;

  private constructor(
    private readonly child: ChildProcess,
    readonly kind: FleetKind,
  ) {
    child.on('message', (message: FleetReply | FleetArrivals) => {
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
      const error = `exited (${child.signalCode ?? child.exitCode})`;
      this.gone = error;
      for (const resolve of this.pending.values()) resolve({ id: 0, error });
      this.pending.clear();
    });
  }

  /** Forks the process and starts its instances; resolves once every one watches the key. */
  static async start(start: FleetStart): Promise<{ client: FleetClient; startMs: number }> {
    const child = fork(fileURLToPath(new URL('./fleet-worker.js', import.meta.url)), [], {
      execArgv: [],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const client = new FleetClient(child, start.kind);
    try {
      const { startMs } = await client.request({ op: 'start', ...start });
      return { client, startMs: startMs! };
    } catch (error) {
      await client.kill();
      throw error;
    }
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /** This process's clock minus ours, ms, from the fastest quarter of `rounds` round trips. */
  async clockOffset(rounds = 20): Promise<number> {
    const samples: Array<{ rtt: number; offset: number }> = [];
    for (let i = 0; i < rounds; i++) {
      const sent = epochNow();
      const { at } = await this.request({ op: 'ping' });
      const received = epochNow();
      samples.push({ rtt: received - sent, offset: at! - (sent + received) / 2 });
    }
    samples.sort((a, b) => a.rtt - b.rtt);
    return median(samples.slice(0, Math.max(1, rounds >> 2)).map((sample) => sample.offset));
  }

  /**
   * Resolves once the process has gone quiet (its event loop idle for a while): what a put left
   * behind, such as status writes, is done, and cannot slow down the next put of either fleet.
   */
  async quiet(maxMs = 2000): Promise<void> {
    await this.request({ op: 'quiet', maxMs });
  }

  /** CPU used by the process so far (us), and the changes its instances have seen. */
  async cpu(): Promise<{ cpuMicros: number; changes: number }> {
    const { cpuMicros, changes } = await this.request({ op: 'cpu' });
    return { cpuMicros: cpuMicros!, changes: changes! };
  }

  /**
   * Tells every instance to watch for `seq`; resolves once they do, with the promise of their
   * arrival times (null: not within `boundMs`). Wrapped: an async function that returned the
   * promise itself would wait for it.
   */
  async arm(seq: number, boundMs: number): Promise<{ arrived: Promise<Array<number | null>> }> {
    const arrived = new Promise<Array<number | null>>((resolve) => this.arrivals.set(seq, resolve));
    await this.request({ op: 'arm', seq, boundMs });
    return { arrived };
  }

  /** How many of the process's instances report health 'up'. */
  async healthy(): Promise<number> {
    const { up } = await this.request({ op: 'health' });
    return up!;
  }

  /**
   * Closes every instance, then waits for the process to exit by itself: resolves with how
   * many instances were up to date, and whether it had to be killed (something kept it alive).
   */
  async stop(lastSeq: number): Promise<{ upToDate: number; killed: boolean }> {
    const { upToDate } = await this.request({ op: 'stop', lastSeq });
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(true), EXIT_TIMEOUT_MS);
    });
    const killed = await Promise.race([this.exited.then(() => false), timedOut]);
    clearTimeout(timer);
    if (killed) await this.kill();
    return { upToDate: upToDate!, killed };
  }

  /** For the error path: the process goes, whatever it was doing. */
  async kill(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.child.kill('SIGKILL');
    await this.exited;
  }

  private async request(request: Request): Promise<FleetReply> {
    const id = this.nextId++;
    const reply = await new Promise<FleetReply>((resolve) => {
      if (this.gone) return resolve({ id, error: this.gone });
      this.pending.set(id, resolve);
      this.child.send({ ...request, id });
    });
    if (reply.error) throw new Error(`fleet process ${this.child.pid}: ${reply.error}`);
    return reply;
  }
}
