import 'reflect-metadata';
import { etcdSource } from '../lib/sources/etcd/index.js';
import { createBarePipeline } from './bare-pipeline.js';
import { EtcdBareWatcher } from './etcd-bare-watcher.js';
import type { FleetArrivals, FleetReply, FleetRequest, FleetStart } from './fleet-client.js';
import { epochNow, loadSampleSchema, markerKey, markerOf, SAMPLE_SCHEMA_PATH } from './fixtures.js';
import { createReloaderApp } from './nest-app.js';

/**
 * One process of a fleet: hosts a share of its instances, each with an etcd client of its own
 * (module instances also share one, the library's, for their status records), and reports to the
 * driver when each of them saw a put. Arrival times are taken here, on this
 * process's clock, and sent in one message per put once every local instance has seen it, so
 * that reporting costs nothing while the fleet is still busy with the change.
 */

/** What the process needs of an instance, module or bare. */
interface Member {
  waitFor(seq: number, timeoutMs: number): Promise<number | undefined>;
  /** The marker of the config in force (module) or of the last value parsed (bare). */
  currentSeq(): number;
  /** Changes seen: 'config_reloaded' events (module), parsed 'put' events (bare). */
  changes(): number;
  /** getHealth().status is 'up' (module); a bare watcher has no health and counts as up. */
  isUp(): boolean;
  close(): Promise<void>;
}

/** Instances started at once: etcd round trips overlap, CPU-bound Nest boots do not pile up. */
const START_CONCURRENCY = 5;

async function startModule(start: FleetStart, index: number): Promise<Member> {
  const app = await createReloaderApp([
    {
      configSource: etcdSource({
        hosts: start.hosts,
        key: start.key,
        instanceId: `fleet-module-${index}`,
        reportStatus: start.reportStatus ?? true,
        statusDelayMs: start.statusDelayMs,
      }),
      schemaPath: SAMPLE_SCHEMA_PATH,
      debounceMs: start.debounceMs,
    },
  ]);
  return {
    waitFor: (seq, timeoutMs) => app.probe.waitFor(seq, timeoutMs),
    currentSeq: () => markerOf(app.service().config),
    changes: () => app.probe.reloaded,
    isUp: () => app.service().getHealth().status === 'up',
    close: () => app.close(),
  };
}

async function startBare(start: FleetStart): Promise<Member> {
  const pipeline = start.kind === 'validated' ? createBarePipeline(loadSampleSchema()) : undefined;
  const watcher = await EtcdBareWatcher.start(start.hosts, start.key, pipeline);
  return {
    waitFor: (seq, timeoutMs) => watcher.waitFor(seq, timeoutMs),
    currentSeq: () => watcher.lastSeq,
    changes: () => watcher.puts,
    isUp: () => true,
    close: () => watcher.close(),
  };
}

let members: Member[] = [];

async function startMembers(start: FleetStart): Promise<void> {
  for (let i = 0; i < start.count; i += START_CONCURRENCY) {
    const batch = Array.from({ length: Math.min(START_CONCURRENCY, start.count - i) }, (_, k) =>
      start.kind === 'module' ? startModule(start, start.firstIndex + i + k) : startBare(start),
    );
    const settled = await Promise.allSettled(batch);
    for (const outcome of settled) if (outcome.status === 'fulfilled') members.push(outcome.value);
    const failed = settled.find((outcome) => outcome.status === 'rejected');
    if (failed) throw failed.reason;
  }
}

async function closeMembers(): Promise<void> {
  const closing = members;
  members = [];
  await Promise.all(closing.map((member) => member.close()));
}

function arm(seq: number, boundMs: number): void {
  const waits = members.map((member) => member.waitFor(seq, boundMs));
  void Promise.all(waits).then((times) => {
    const message: FleetArrivals = { op: 'arrivals', seq, times: times.map((t) => t ?? null) };
    process.send?.(message);
  });
}

/** The event loop's busy share under which a 10 ms window counts as idle. */
const IDLE_UTILIZATION = 0.05;

/** Resolves once two 10 ms windows in a row found the event loop idle, or after `maxMs`. */
function quiet(maxMs: number): Promise<void> {
  const deadline = performance.now() + maxMs;
  return new Promise((resolve) => {
    let last = performance.eventLoopUtilization();
    let idleWindows = 0;
    const check = () => {
      const now = performance.eventLoopUtilization();
      const busy = performance.eventLoopUtilization(now, last).utilization;
      last = now;
      idleWindows = busy < IDLE_UTILIZATION ? idleWindows + 1 : 0;
      if (idleWindows >= 2 || performance.now() > deadline) resolve();
      else setTimeout(check, 10);
    };
    setTimeout(check, 10);
  });
}

async function handle(request: FleetRequest): Promise<FleetReply> {
  switch (request.op) {
    case 'start': {
      const started = performance.now();
      await startMembers(request);
      return { id: request.id, startMs: performance.now() - started };
    }
    case 'ping':
      return { id: request.id, at: epochNow() };
    case 'cpu': {
      const { user, system } = process.cpuUsage();
      const changes = members.reduce((total, member) => total + member.changes(), 0);
      return { id: request.id, cpuMicros: user + system, changes };
    }
    case 'quiet':
      await quiet(request.maxMs);
      return { id: request.id };
    case 'arm':
      arm(request.seq, request.boundMs);
      return { id: request.id };
    case 'health':
      return { id: request.id, up: members.filter((member) => member.isUp()).length };
    case 'stop': {
      const expected = markerKey(request.lastSeq);
      const upToDate = members.filter((member) => member.currentSeq() === expected).length;
      await closeMembers();
      return { id: request.id, upToDate };
    }
  }
}

process.on('message', (request: FleetRequest) => {
  handle(request).then(
    (reply) => {
      // Everything is closed after 'stop': with the channel gone, nothing may keep this
      // process alive.
      process.send?.(reply, () => request.op === 'stop' && process.disconnect());
    },
    async (error: unknown) => {
      await closeMembers().catch(() => undefined);
      const text = error instanceof Error ? (error.stack ?? error.message) : String(error);
      process.send?.({ id: request.id, error: text });
    },
  );
});
