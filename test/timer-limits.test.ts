import { InvalidArgumentError } from 'commander';
import { describe, expect, it } from 'vitest';
import { parseDuration } from '../lib/cli/shared/duration.flag.js';
import { resolveOptions } from '../lib/config-reloader.options.js';
import { MAX_TIMER_MS } from '../lib/config-reloader.timers.js';
import { HoldRegistry } from '../lib/store/config-hold.registry.js';
import { etcdSource } from '../lib/sources/etcd/index.js';
import { optionsProblem } from './support/options-problem.js';

// Node runs a timer longer than 2^31 - 1 ms after 1 ms: such a duration would make
// `verifyIntervalMs` a check every millisecond and a --timeout an immediate end.
describe('durations a Node timer cannot hold are refused where they are declared', () => {
  it('in the module options, naming the option', () => {
    for (const key of ['debounceMs', 'verifyIntervalMs', 'pollingIntervalMs']) {
      const problem = optionsProblem({ [key]: 3e9 });
      expect(problem).toContain(`"${key}" must be at most ${MAX_TIMER_MS} ms`);
      expect(problem).toContain('got the number 3000000000');
    }
    // The longest a timer holds is still taken.
    const options = resolveOptions({ configPath: '/srv/bot.json', verifyIntervalMs: MAX_TIMER_MS });
    expect(options.verifyIntervalMs).toBe(MAX_TIMER_MS);
  });

  it("in a hold's timeout", () => {
    const holds = new HoldRegistry('default', console as never, () => undefined);
    expect(() => holds.acquire('trade', { timeoutMs: 2 ** 31 })).toThrow(RangeError);
    expect(() => holds.acquire('trade', { timeoutMs: 2 ** 31 })).toThrow(/at most 2147483647 ms/);
  });

  it('in the etcd source options, as CONFIG_OPTIONS', () => {
    const make = (extra: object) => () =>
      etcdSource({ hosts: 'http://127.0.0.1:2379', key: '/bots/t', ...extra });
    for (const extra of [
      { watchCheckMs: 3e9 },
      { statusDelayMs: 2 ** 31 },
      { dialTimeoutMs: Infinity },
      { statusTtlSeconds: 3e6 },
    ]) {
      expect(make(extra), JSON.stringify(extra)).toThrow(
        expect.objectContaining({
          code: 'CONFIG_OPTIONS',
          message: expect.stringContaining(Object.keys(extra)[0]!),
        }),
      );
    }
  });

  it('on the command line, as a usage error (exit 2)', () => {
    expect(() => parseDuration('50000m')).toThrow(InvalidArgumentError);
    expect(() => parseDuration('50000m')).toThrow(/at most 2147483647 ms/);
    expect(parseDuration('35791m')).toBe(35_791 * 60_000);
  });
});
