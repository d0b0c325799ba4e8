import { ConfigReloadError } from '../../config-reloader.errors.js';
import { messages } from '../../config-reloader.messages.js';
import { MAX_TIMER_MS } from '../../config-reloader.timers.js';
import type { EtcdSourceOptions } from './etcd-source.options.js';
import { etcdMessages } from './etcd.messages.js';
import {
  isShownAppVersion,
  hasControlCharacter,
  isPrototypeKey,
  LABEL_KEY,
  MAX_LABEL_VALUE_LENGTH,
} from '../instance-identity.js';

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
 * Refuses, when the source is made, a duration that is no number or one a timer cannot hold
 * (rather than a timer that fires every millisecond later), and labels a selector could not
 * name or `status` could not print on one line: `CONFIG_OPTIONS`, naming the option.
 */
export function checkEtcdSourceOptions(options: EtcdSourceOptions): void {
  checkLabels(options.key, options.labels);
  if (options.appVersion !== undefined && !isShownAppVersion(options.appVersion)) {
    throw new ConfigReloadError(
      'CONFIG_OPTIONS',
      etcdMessages.invalidOption(
        options.key,
        'appVersion',
        etcdMessages.appVersion(labelValueKind(options.appVersion)),
      ),
    );
  }
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

function checkLabels(key: string, labels: unknown): void {
  if (labels === undefined) return;
  const refuse = (option: string, problem: string) =>
    new ConfigReloadError('CONFIG_OPTIONS', etcdMessages.invalidOption(key, option, problem));
  if (!isPlainObject(labels)) {
    throw refuse('labels', etcdMessages.labelsNotObject(messages.optionValue(labels)));
  }
  for (const [name, value] of Object.entries(labels)) {
    const option = `labels.${name.length > 70 ? `${name.slice(0, 70)}...` : name}`;
    if (!LABEL_KEY.test(name)) throw refuse(option, etcdMessages.labelName());
    if (isPrototypeKey(name)) throw refuse(option, etcdMessages.labelPrototypeName());
    if (
      typeof value !== 'string' ||
      value.length > MAX_LABEL_VALUE_LENGTH ||
      hasControlCharacter(value)
    ) {
      throw refuse(option, etcdMessages.labelValue(labelValueKind(value)));
    }
  }
}

/** A label value is not quoted: it may be long, and it may hold what a terminal acts on. */
function labelValueKind(value: unknown): string {
  if (typeof value !== 'string') return messages.optionValue(value);
  return hasControlCharacter(value)
    ? 'a string with a control character'
    : `a string of ${value.length} characters`;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const prototype: unknown = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}
