import { Etcd3, type Watcher } from 'etcd3';
import type { BarePipeline } from './bare-pipeline.js';
import { epochNow, markerKey, markerOf, type SampleConfig } from './fixtures.js';

type Waiter = { seq: number; resolve: (at: number | undefined) => void; timer: NodeJS.Timeout };

/**
 * The fleet floor: one etcd3 client of its own and a plain `client.watch().key(key).create()`;
 * on every 'put' it parses the value with JSON.parse and notes when it did, nothing else. No
 * validation (unless given the bare pipeline), no keepalive tuning, no status record: the
 * least an instance could do.
 */
export class EtcdBareWatcher {
  lastSeq = -1;
  puts = 0;
  private waiters: Waiter[] = [];

  private constructor(
    private readonly client: Etcd3,
    private readonly watcher: Watcher,
    pipeline: BarePipeline | undefined,
  ) {
    watcher.on('put', (kv) => {
      const text = kv.value.toString('utf8');
      if (!pipeline) {
        this.arrived(markerOf(JSON.parse(text) as SampleConfig), epochNow());
        return;
      }
      pipeline(text).then(
        (config) => this.arrived(markerOf(config), epochNow()),
        () => undefined, // never happens with the sample config; a miss would show it
      );
    });
    // A failure shows up as missed puts; without a listener etcd3 would swallow it anyway.
    watcher.on('error', () => undefined);
  }

  /** With `pipeline`, each value is also validated (to tell the cost of validation apart). */
  static async start(
    hosts: string[],
    key: string,
    pipeline?: BarePipeline,
  ): Promise<EtcdBareWatcher> {
    const client = new Etcd3({ hosts });
    try {
      return new EtcdBareWatcher(client, await client.watch().key(key).create(), pipeline);
    } catch (error) {
      client.close();
      throw error;
    }
  }

  /** Resolves with the arrival time (epoch ms) of the value carrying `seq`, or undefined on timeout. */
  waitFor(seq: number, timeoutMs: number): Promise<number | undefined> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((waiter) => waiter.timer !== timer);
        resolve(undefined);
      }, timeoutMs);
      this.waiters.push({ seq: markerKey(seq), resolve, timer });
    });
  }

  async close(): Promise<void> {
    for (const waiter of this.waiters) clearTimeout(waiter.timer);
    this.waiters = [];
    // Cancelled first: a watcher left in the client's manager would keep it alive after close().
    await this.watcher.cancel();
    this.client.close();
  }

  private arrived(seq: number, at: number): void {
    this.lastSeq = seq;
    this.puts++;
    const ready = this.waiters.filter((waiter) => waiter.seq === seq);
    if (ready.length === 0) return;
    this.waiters = this.waiters.filter((waiter) => waiter.seq !== seq);
    for (const waiter of ready) {
      clearTimeout(waiter.timer);
      waiter.resolve(at);
    }
  }
}
