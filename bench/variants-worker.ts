import 'reflect-metadata';
import { etcdSource } from '../lib/sources/etcd/index.js';
import { epochNow, markerOf, SAMPLE_SCHEMA_PATH } from './fixtures.js';
import { createReloaderApp, type ReloaderApp } from './nest-app.js';
import {
  VETO_FROM,
  type VariantsReply,
  type VariantsRequest,
  type VariantsStart,
} from './variants-client.js';

/**
 * One process of a variants fleet: hosts a share of its module instances (each a Nest app with
 * an etcd client of its own, labelled, one of them with a `beforeApply` that vetoes), and tells
 * the driver when each saw a put. Arrival times are taken on this process's clock.
 */

/**
 * Instances started at once. Low: on a loaded machine, Nest boots piling up in one process kept
 * it from reading etcd's answers within the 3 s dial timeout.
 */
const START_CONCURRENCY = 2;

let apps: Array<{ index: number; app: ReloaderApp }> = [];
/** When the vetoing instance's `beforeApply` said no (epoch ms), since the driver last asked. */
let vetoes: number[] = [];

function startOne(start: VariantsStart, index: number): Promise<ReloaderApp> {
  const vetoing = index === start.vetoIndex;
  return createReloaderApp([
    {
      configSource: etcdSource({
        hosts: start.hosts,
        key: start.key,
        instanceId: `${start.idPrefix}-${index}`,
        labels: start.labels,
        statusDelayMs: start.statusDelayMs,
      }),
      schemaPath: SAMPLE_SCHEMA_PATH,
      debounceMs: start.debounceMs,
      ...(vetoing
        ? {
            beforeApply: (next) => {
              if (markerOf(next) < VETO_FROM) return;
              vetoes.push(epochNow());
              throw new Error('the benchmark vetoes this marker');
            },
          }
        : {}),
    },
  ]);
}

async function startAll(start: VariantsStart): Promise<void> {
  for (let i = 0; i < start.count; i += START_CONCURRENCY) {
    const indexes = Array.from(
      { length: Math.min(START_CONCURRENCY, start.count - i) },
      (_, k) => start.firstIndex + i + k,
    );
    const settled = await Promise.allSettled(indexes.map((index) => startOne(start, index)));
    settled.forEach((outcome, k) => {
      if (outcome.status === 'fulfilled') apps.push({ index: indexes[k]!, app: outcome.value });
    });
    const failed = settled.find((outcome) => outcome.status === 'rejected');
    if (failed) throw failed.reason;
  }
}

async function closeAll(): Promise<void> {
  const closing = apps;
  apps = [];
  await Promise.all(closing.map(({ app }) => app.close()));
}

/** Every local instance (or the one with `only`) waits for `seq`; one message when all have. */
function arm(seq: number, boundMs: number, only: number | undefined): void {
  const watched = apps.filter(({ index }) => only === undefined || index === only);
  const waits = watched.map(({ app }) => app.probe.waitFor(seq, boundMs));
  void Promise.all(waits).then((times) => {
    process.send?.({ op: 'arrivals', seq, times: times.map((t) => t ?? null) });
  });
}

/** Resolves once two 10 ms windows in a row found the event loop idle, or after `maxMs`. */
function quiet(maxMs: number): Promise<void> {
  const deadline = performance.now() + maxMs;
  return new Promise((resolve) => {
    let last = performance.eventLoopUtilization();
    let idle = 0;
    const check = () => {
      const now = performance.eventLoopUtilization();
      idle = performance.eventLoopUtilization(now, last).utilization < 0.05 ? idle + 1 : 0;
      last = now;
      if (idle >= 2 || performance.now() > deadline) resolve();
      else setTimeout(check, 10);
    };
    setTimeout(check, 10);
  });
}

async function handle(request: VariantsRequest): Promise<VariantsReply> {
  switch (request.op) {
    case 'start':
      await startAll(request);
      return { id: request.id };
    case 'ping':
      return { id: request.id, at: epochNow() };
    case 'quiet':
      await quiet(request.maxMs);
      return { id: request.id };
    case 'arm':
      arm(request.seq, request.boundMs, request.only);
      return { id: request.id };
    case 'vetoes': {
      const times = vetoes;
      vetoes = [];
      return { id: request.id, times };
    }
    case 'stop':
      await closeAll();
      return { id: request.id };
  }
}

process.on('message', (request: VariantsRequest) => {
  handle(request).then(
    // Everything is closed after 'stop': with the channel gone, nothing keeps the process alive.
    (reply) => process.send?.(reply, () => request.op === 'stop' && process.disconnect()),
    async (error: unknown) => {
      await closeAll().catch(() => undefined);
      const text = error instanceof Error ? (error.stack ?? error.message) : String(error);
      process.send?.({ id: request.id, error: text });
    },
  );
});

// The driver died without stopping us: close the instances (their leases go) and leave.
process.on('disconnect', () => void closeAll().finally(() => process.exit(0)));
