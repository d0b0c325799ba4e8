import { escapeControlCharacters } from '../../change/printable.js';
import { shownHosts } from '../etcd-hosts.js';
import { MAX_APP_VERSION_LENGTH, MAX_LABEL_VALUE_LENGTH } from '../instance-identity.js';

const cannotReach = (id: string, hosts: readonly string[], reason: string) =>
  `Cannot reach etcd for ${id} (${shownHosts(hosts)}): ${reason}.`;

/** What the etcd source says, in one place. */
export const etcdMessages = {
  keyMissing: (id: string) =>
    `Config key not found: ${id}. Publish the config first (config-reloader publish <file> ` +
    `--etcd <hosts> --key <key>), or check "key".`,
  unavailable: (id: string, hosts: readonly string[], reason: string) =>
    `${cannotReach(id, hosts, reason)} The config in force stays.`,
  /** Health and the reporter add what stays in force. */
  watchLost: cannotReach,
  refused: (id: string, hosts: readonly string[], reason: string) =>
    `etcd (${shownHosts(hosts)}) refused ${id}: ${reason}. Check "auth" (user and password) and ` +
    `that the user may read the key, its "/canary" and its "/overlays/" and "/trials/" prefixes, ` +
    `and read and write its "/instances/" prefix.`,
  unavailableAtStart: (id: string, hosts: readonly string[], reason: string, cache?: string) =>
    `Cannot reach etcd for ${id} (${shownHosts(hosts)}) to load the config: ${reason}. ` +
    (cache
      ? `The local copy cannot be used either (${cache}).`
      : `Set "cachePath" to start on the last applied config while etcd is down.`),
  startedFromCache: (id: string, cachePath: string, revision: string) =>
    `etcd is unreachable for ${id}: starting on the local copy ${cachePath} (revision ` +
    `${revision}); it is replaced as soon as etcd answers.`,
  conflict: (id: string, expected: string, actual: string | undefined) =>
    `Refusing to write ${id}: it changed since revision ${expected} (now ` +
    `${actual === undefined ? 'deleted' : `revision ${actual}`}). Nothing was written; reload ` +
    `or inspect the newer change first.`,
  cacheReadable: (cachePath: string, mode: string) =>
    `The local copy of the config ${cachePath} (mode ${mode}) is readable by its group or by ` +
    `everyone, and it holds the whole config, secrets included. Fix with: chmod 600 ${cachePath}.`,
  cacheFailed: (id: string, cachePath: string, reason: string) =>
    `Cannot update the local copy ${cachePath} of ${id}: ${reason}. A start while etcd is down ` +
    `would use an older copy.`,
  statusFailed: (id: string, reason: string) =>
    `Cannot write the fleet status of ${id} to etcd (${reason}); retrying until it answers ` +
    `(said once, until it is written again).`,
  statusRefused: (id: string, prefix: string, reason: string) =>
    `etcd refused the fleet status of ${id} (${reason}): the instance's user needs write ` +
    `access to the keys under ${prefix}. Retrying (said once, until it is written again).`,
  statusBack: (id: string) => `The fleet status of ${id} is written to etcd again.`,
  // A canary's id is anyone's text: shown escaped.
  canaryAbortLost: (id: string, key: string) =>
    `Canary "${escapeControlCharacters(id)}" at ${key} changed before this instance could mark ` +
    `it aborted (set, promoted or aborted meanwhile): left as it is.`,
  canaryAbortRefused: (id: string, key: string, reason: string) =>
    `This instance rejected canary "${escapeControlCharacters(id)}" but may not write ${key} ` +
    `(${reason}); the canary stays until the CLI or an operator aborts it ` +
    `(config-reloader canary abort).`,
  canaryAbortFailed: (id: string, key: string, reason: string) =>
    `This instance rejected canary "${escapeControlCharacters(id)}" but could not mark ${key} ` +
    `aborted (${reason}); the canary stays until the CLI or an operator aborts it.`,
  /** `option` is where in the options (`labels.symbol`); `problem` one of the below. */
  invalidOption: (key: string, option: string, problem: string) =>
    `Invalid etcdSource options for "${key}": "${escapeControlCharacters(option)}" ${problem}`,
  labelsNotObject: (got: string) =>
    `must be a plain object of label names to values ({ symbol: 'BTC', region: 'eu' }), got ${got}`,
  labelName: () =>
    'is no label name: a letter or digit, then up to 62 letters, digits, "_", ".", "/" or "-" ' +
    '(what a command-line selector like symbol=BTC can name)',
  labelPrototypeName: () =>
    'is no label name: "constructor" and "prototype" reach an object\'s prototype',
  appVersion: (got: string) =>
    `must be a string of 1 to ${MAX_APP_VERSION_LENGTH} characters without control characters ` +
    `(the dashboard prints it on one line), got ${got}`,
  labelValue: (got: string) =>
    `must be a string of at most ${MAX_LABEL_VALUE_LENGTH} characters without control ` +
    `characters (status prints it on one line), got ${got}`,
} as const;
