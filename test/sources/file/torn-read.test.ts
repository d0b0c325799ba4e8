import 'reflect-metadata';
import { Worker } from 'node:worker_threads';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigReloadError } from '../../../lib/index.js';
import { ConfigDir } from '../../support/config-dir.js';
import { bootReloader, type ReloaderHarness } from '../../support/reloader-app.js';
import { waitFor } from '../../support/wait-for.js';

interface Settings {
  value: string;
}

const ONES = '1111111111';
const TWOS = '2222222222';
const isWhole = (value: string) => value === ONES || value === TWOS;

/**
 * A state of the file lasting at least this long counts as "held still". The reloader accepts
 * a read only when no write landed between the fstat before it and the fstat after it; that
 * span holds two reads and a stat, each a round trip through the libuv thread pool: tens of
 * microseconds, never less than this. So a mixed value it applies that the file held for less
 * than this changed under the read.
 */
const HELD_STILL_NS = 10_000;
/** Slots of the ring in which the writer records the mixed states it held still. */
const STALL_SLOTS = 1 << 16;
/** Control words shared with the writer. */
const STOP = 0;
const READY = 1;
const WRITES = 2;
const STALLS = 3;

/**
 * Rewrites the 10 digits at `offset` in place, one positional single-byte write at a time,
 * from all 1s to all 2s and back, as fast as it can: the JSON stays valid, but a read taken
 * mid-way holds a mixed value such as 2222211111. When the scheduler parks the writer
 * mid-way, a mixed value really is the file's whole content for a while; such states are
 * recorded (from, to, value), so that a reload may apply them without being blamed.
 */
const WRITER = `
const { openSync, writeSync, closeSync } = require('node:fs');
const { workerData } = require('node:worker_threads');
const { file, offset, control, stalls, heldStillNs, slots } = workerData;
const ctl = new Int32Array(control);
const log = new Float64Array(stalls);
// process.hrtime is the main thread's monotonic clock too; a worker's performance.now() is not.
const clock = () => Number(process.hrtime.bigint());
const bytes = [Buffer.from('2'), Buffer.from('1')];
const states = [];
for (const [to, from] of [['2', '1'], ['1', '2']])
  for (let k = 1; k <= 10; k++) states.push(Number(to.repeat(k) + from.repeat(10 - k)));
const fd = openSync(file, 'r+');
let state = 1111111111;
let since = clock();
Atomics.store(ctl, ${READY}, 1);
while (Atomics.load(ctl, ${STOP}) === 0) {
  for (let pass = 0; pass < 2; pass++) {
    for (let k = 0; k < 10; k++) {
      const before = clock();
      writeSync(fd, bytes[pass], 0, 1, offset + k);
      const after = clock();
      // The state this write ended was the file's content at most from since to after.
      if (after - since >= heldStillNs && state !== 1111111111 && state !== 2222222222) {
        const slot = (Atomics.load(ctl, ${STALLS}) % slots) * 3;
        log[slot] = since;
        log[slot + 1] = after;
        log[slot + 2] = state;
        Atomics.add(ctl, ${STALLS}, 1);
      }
      since = before;
      state = states[pass * 10 + k];
      Atomics.add(ctl, ${WRITES}, 1);
    }
  }
}
closeSync(fd);
`;

const hrtimeNs = () => Number(process.hrtime.bigint());

describe('manual reload while a writer keeps changing the file in place', () => {
  let dir: ConfigDir;
  let harness: ReloaderHarness<Settings> | undefined;
  let writer: Worker | undefined;
  let control: Int32Array | undefined;

  afterEach(async () => {
    if (control) Atomics.store(control, STOP, 1);
    await writer?.terminate();
    writer = control = undefined;
    await harness?.close();
    harness = undefined;
    await dir?.dispose();
  });

  it('rejects with CONFIG_UNSTABLE or applies a value the file really held, never a torn mix', async () => {
    const text = JSON.stringify({ value: ONES }, null, 2);
    dir = await ConfigDir.create(text);
    harness = await bootReloader<Settings>({ configPath: dir.file, autoReload: false });
    const { service } = harness;

    const controlBuffer = new SharedArrayBuffer(4 * Int32Array.BYTES_PER_ELEMENT);
    const stallBuffer = new SharedArrayBuffer(STALL_SLOTS * 3 * Float64Array.BYTES_PER_ELEMENT);
    const ctl = (control = new Int32Array(controlBuffer));
    const stalls = new Float64Array(stallBuffer);
    writer = new Worker(WRITER, {
      eval: true,
      workerData: {
        file: dir.file,
        offset: Buffer.from(text).indexOf(ONES),
        control: controlBuffer,
        stalls: stallBuffer,
        heldStillNs: HELD_STILL_NS,
        slots: STALL_SLOTS,
      },
    });
    let writerError: unknown;
    writer.on('error', (error) => (writerError = error));
    await waitFor(() => Atomics.load(ctl, READY) === 1, { description: 'the writer to start' });
    const writes = () => Atomics.load(ctl, WRITES);

    /** Whether the writer held `value` still for a while inside [fromNs, toNs]. */
    const heldStill = (value: string, fromNs: number, toNs: number, firstStall: number) => {
      const count = Atomics.load(ctl, STALLS);
      for (let index = Math.max(firstStall, count - STALL_SLOTS); index < count; index++) {
        const slot = (index % STALL_SLOTS) * 3;
        if (
          stalls[slot + 2] === Number(value) &&
          stalls[slot]! < toNs &&
          stalls[slot + 1]! > fromNs
        )
          return true;
      }
      return false;
    };

    // Each attempt that applies takes a few milliseconds, each refusal about a second: try
    // many times, so that a reload which applies a torn read is caught even on a busy machine.
    const MAX_ATTEMPTS = 200;
    const ENOUGH_REFUSALS = 5;
    const BUDGET_MS = 30_000;
    const testStartedAt = Date.now();
    const tally = { refused: 0, whole: 0, heldStill: 0 };
    const violations: string[] = [];
    let attempts = 0;
    while (
      attempts < MAX_ATTEMPTS &&
      tally.refused < ENOUGH_REFUSALS &&
      Date.now() - testStartedAt < BUDGET_MS
    ) {
      const attempt = attempts++;
      // Only start while the writer is busy right now (a loaded machine parks it at times).
      const writesBefore = writes();
      await waitFor(() => writes() - writesBefore >= 1000, {
        timeoutMs: 10_000,
        intervalMs: 1,
        description: 'the writer to make progress',
      });
      const configBefore = service.config;
      const firstStall = Atomics.load(ctl, STALLS);
      const startedAt = Date.now();
      const fromNs = hrtimeNs();
      const outcome = await service.reloadConfig().then(
        (config) => ({ applied: config.value }),
        (error: unknown) => ({ error }),
      );
      const toNs = hrtimeNs();
      const tookMs = Date.now() - startedAt;
      // The state the file was in when the call returned has ended, so it is recorded.
      const writesAtEnd = writes();
      await waitFor(() => writes() - writesAtEnd >= 2, {
        timeoutMs: 10_000,
        intervalMs: 1,
        description: 'the writer to move on',
      });

      if ('error' in outcome) {
        const error = outcome.error as ConfigReloadError;
        expect(error, `attempt ${attempt}`).toBeInstanceOf(ConfigReloadError);
        expect(error.code, `attempt ${attempt}: ${error.message}`).toBe('CONFIG_UNSTABLE');
        expect(error.message).toMatch(/kept changing/);
        expect(tookMs, `attempt ${attempt} gave up in bounded time`).toBeLessThan(10_000);
        expect(service.config, 'the config in force is untouched').toBe(configBefore);
        tally.refused++;
        continue;
      }
      const value = outcome.applied;
      expect(service.config.value, 'the config in force is what the reload returned').toBe(value);
      if (isWhole(value)) tally.whole++;
      else if (heldStill(value, fromNs, toNs, firstStall)) tally.heldStill++;
      else
        violations.push(
          `attempt ${attempt}: applied ${value} after ${tookMs} ms, a value the file held only while it changed under the read`,
        );
    }

    expect(writerError).toBeUndefined();
    expect(
      violations.slice(0, 10),
      `${violations.length} torn value(s) applied in ${attempts} attempts ` +
        `(refused ${tally.refused}, whole ${tally.whole}, held still by a parked writer ${tally.heldStill})`,
    ).toEqual([]);
  }, 120_000);
});
