import { Logger } from '@nestjs/common';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ConfigValidationError, type ConfigReloadError } from '../../lib/config-reloader.errors.js';
import type {
  ConfigSource,
  SourceListener,
  SourceSnapshot,
} from '../../lib/interfaces/config-source.interface.js';
import { ReloadFailureGate } from '../../lib/reload/reload-failure.gate.js';
import { WatchController } from '../../lib/reload/watch.controller.js';

const GRACE_MS = 250;
const SETTLE_MS = 50;

/**
 * A watch controller over a source that only signals, and a reload path whose every reload fails
 * with the same bad document: what the controller reports, and when, is what is observed.
 */
function harness({ atomicWrites }: { atomicWrites: boolean }) {
  let listener: SourceListener | undefined;
  const source: ConfigSource = {
    id: 'memory:test',
    atomicWrites,
    read: () => Promise.reject(new Error('not read in this test')),
    watch: async (given) => {
      listener = given;
      return { active: true, close: async () => undefined };
    },
  };
  const failures = new ReloadFailureGate(atomicWrites ? 0 : GRACE_MS);
  const reported: ConfigReloadError[] = [];
  const bad: SourceSnapshot = { text: '{"size": -1}', revision: '2', hash: 'bad' };
  const controller = new WatchController({
    name: 'default',
    where: source.id,
    source,
    coordinator: {
      reloadFromWatch: async () => {
        failures.failed(
          new ConfigValidationError(source.id, [
            { path: 'size', message: 'size must be positive' },
          ]),
          'bad',
          bad,
        );
      },
      reportFailure: async (error) => {
        reported.push(error);
      },
      trial: () => Promise.reject(new Error('no trial in this test')),
    },
    failures,
    logger: new Logger('test'),
    debounceMs: 0,
    settleMs: SETTLE_MS,
    verifyIntervalMs: 0,
  });
  const publish = () => listener?.changed(bad);
  return { controller, reported, publish };
}

describe('WatchController: when a failed watched change is reported', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('reports a failure of a source written whole right after the reload, without a grace', async () => {
    const { controller, reported, publish } = harness({ atomicWrites: true });
    await controller.start();
    publish();
    // Only the debounce's immediate and the reload's own promises run: no time passes.
    await vi.advanceTimersByTimeAsync(0);
    expect(reported.map((error) => error.code)).toEqual(['CONFIG_VALIDATION']);
    await vi.advanceTimersByTimeAsync(GRACE_MS * 2);
    expect(reported).toHaveLength(1); // once, not again at the quiet check
    await controller.close();
  });

  it('waits out the grace before reporting a failure of a source that may be half-written', async () => {
    const { controller, reported, publish } = harness({ atomicWrites: false });
    await controller.start();
    publish();
    await vi.advanceTimersByTimeAsync(SETTLE_MS);
    expect(reported).toEqual([]); // maybe a writer still busy
    await vi.advanceTimersByTimeAsync(GRACE_MS);
    expect(reported.map((error) => error.code)).toEqual(['CONFIG_VALIDATION']);
    await controller.close();
  });
});
