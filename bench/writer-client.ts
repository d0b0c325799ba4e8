import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { epochNow, type WriteStyle } from './fixtures.js';
import { median } from './stats.js';

export type WriterRequest =
  | { id: number; op: 'ping' }
  | { id: number; op: 'write'; file: string; seq: number; style: WriteStyle }
  | { id: number; op: 'storm'; file: string; fromSeq: number; count: number; style: WriteStyle }
  | { id: number; op: 'chunked'; file: string; seq: number; chunks: number; gapMs: number };

export interface WriterReply {
  id: number;
  /** When the write began and ended, on this process's clock once received by `WriterClient`. */
  startedAt: number;
  endedAt: number;
  error?: string;
}

type Request = WriterRequest extends infer R
  ? R extends { id: number }
    ? Omit<R, 'id'>
    : never
  : never;

/** Drives the writer process; converts its timestamps to this process's clock. */
export class WriterClient {
  private nextId = 1;
  private readonly pending = new Map<number, (reply: WriterReply) => void>();
  /** Writer clock minus ours, in ms (estimated from the fastest round trips). */
  private offsetMs = 0;

  private constructor(private readonly child: ChildProcess) {
    child.on('message', (reply: WriterReply) => {
      this.pending.get(reply.id)?.(reply);
      this.pending.delete(reply.id);
    });
  }

  static async start(): Promise<WriterClient> {
    const child = fork(fileURLToPath(new URL('./writer.js', import.meta.url)), [], {
      execArgv: [],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const client = new WriterClient(child);
    await client.calibrate();
    return client;
  }

  get clockOffsetMs(): number {
    return this.offsetMs;
  }

  async request(request: Request): Promise<WriterReply> {
    const id = this.nextId++;
    const reply = await new Promise<WriterReply>((resolve) => {
      this.pending.set(id, resolve);
      this.child.send({ ...request, id });
    });
    if (reply.error) throw new Error(`writer: ${reply.error}`);
    return {
      ...reply,
      startedAt: reply.startedAt - this.offsetMs,
      endedAt: reply.endedAt - this.offsetMs,
    };
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    this.child.send({ op: 'exit' });
    await exited;
  }

  /** NTP-style: the offset seen by the round trips in the fastest quarter. */
  private async calibrate(): Promise<void> {
    const rounds: Array<{ rtt: number; offset: number }> = [];
    for (let i = 0; i < 60; i++) {
      const sent = epochNow();
      const { startedAt } = await this.request({ op: 'ping' });
      const received = epochNow();
      rounds.push({ rtt: received - sent, offset: startedAt - (sent + received) / 2 });
    }
    rounds.sort((a, b) => a.rtt - b.rtt);
    this.offsetMs = median(rounds.slice(0, 15).map((round) => round.offset));
  }
}
