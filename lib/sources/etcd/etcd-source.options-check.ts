import { ConfigReloadError } from '../../config-reloader.errors.js';
import { messages } from '../../config-reloader.messages.js';
import { MAX_TIMER_MS } from '../../config-reloader.timers.js';
import type { EtcdSourceOptions } from './etcd-source.options.js';

/**
 * The durations `etcdSource()` takes: the least each may be, and the most, which a Node timer
 * must be able to hold (the lease's TTL in seconds is renewed on a timer of a third of it).
 */
const DURATIONS = [
  { key: 'dialTimeoutMs', min: 1, max: MAX_TIMER_MS, unit: 'ms' },
  { key: 'statusDelayMs', min: 0, max: MAX_TIMER_MS, unit: 'ms' },
  { key: 'watchCheckMs', min: 1, max: MAX_TIMER_MS, unit: 'ms' },
  { key: 'statusTtlSeconds', min: 1, max: Math.floor(MAX_TIMER_MS / 1000), unit: 's' },
] as const;

/**
 * Refuses a duration that is no number, or one a timer cannot hold, when the source is made:
 * `CONFIG_OPTIONS`, naming the option, rather than a timer that fires every millisecond later.
 */
export function checkEtcdSourceOptions(options: EtcdSourceOptions): void {
  for (const { key, min, max, unit } of DURATIONS) {
    const value = options[key];
    if (value === undefined) continue;
    if (typeof value === 'number' && Number.isFinite(value) && value >= min && value <= max) {
      continue;
    }
    throw new ConfigReloadError(
      'CONFIG_OPTIONS',
      `Invalid etcdSource options for "${options.key}": "${key}" must be a number from ${min} ` +
        `to ${max} ${unit} (about 24.8 days, the longest a Node timer waits), got ` +
        `${messages.optionValue(value)}`,
    );
  }
}
