import { escapeControlCharacters, printable } from '../../change/printable.js';
import type { CanaryAbort } from '../../sources/etcd/fleet/canary-record.js';

/** A key, quoted; keys come from the command line and may hold anything. */
const quoted = (text: string) => `"${escapeControlCharacters(text)}"`;

/** Why a member aborted it, as it wrote it: untrusted text on one line. */
export const abortReason = (aborted: CanaryAbort) =>
  `${printable(aborted.error.code)}: ${printable(aborted.error.message)}`;

/** What the canary commands say: `publish --canary`, `canary status | set | promote | abort`. */
export const canaryMessages = {
  baseMissing: (key: string) =>
    `${quoted(key)} does not exist: a canary runs a candidate in place of the published config, ` +
    'so publish a config first.',
  inProgress: (key: string, id: string) =>
    `a canary is in progress on ${quoted(key)} (${printable(id)}): nothing written. Promote it ` +
    '(config-reloader canary promote) or abort it (config-reloader canary abort) first.',
  unreadableInProgress: (key: string) =>
    `the canary record of ${quoted(key)} is unreadable, so it counts as in progress: nothing ` +
    'written. config-reloader canary abort deletes it.',
  startedMeanwhile: (key: string) =>
    `a canary was started on ${quoted(key)} between the read and the write: nothing written. ` +
    'config-reloader canary status shows it.',
  replacing: (id: string, aborted: CanaryAbort) =>
    `replacing the aborted canary ${printable(id)} (aborted by ${printable(aborted.by)}: ` +
    `${abortReason(aborted)})`,
  diffHeader: (key: string, revision: string) =>
    `the candidate against ${quoted(key)} at revision ${revision}:`,
  dryRun: (key: string) => `dry run: no canary created on ${quoted(key)}`,
  created: (id: string, canaryKey: string, selector: string, revision: string) =>
    `canary ${printable(id)} -> ${quoted(canaryKey)} at revision ${revision}, for the ` +
    `instances that match ${selector}`,
  baseMoved: (key: string, read: string, now: string | undefined) =>
    `conflict: ${quoted(key)} changed while creating the canary (read at revision ${read}, now ` +
    `${now === undefined ? 'no key' : `at revision ${now}`}); nothing was written. Publish again ` +
    'to see the diff against the new value.',
  none: (key: string) =>
    `no canary in progress on ${quoted(key)}: nothing to do. config-reloader publish <file> ` +
    '--canary <selector> starts one.',
  noneAborted: (key: string, id: string, aborted: CanaryAbort) =>
    `no canary in progress on ${quoted(key)}: ${printable(id)} was aborted by ` +
    `${printable(aborted.by)} (${abortReason(aborted)}); nothing to do. The next publish ` +
    '--canary replaces it.',
  unreadable: (key: string, reason: string) =>
    `the canary record of ${quoted(key)} is unreadable (${printable(reason)}); config-reloader ` +
    'canary abort deletes it.',
  changedMeanwhile: (key: string, doing: string) =>
    `conflict: the canary of ${quoted(key)} changed while ${doing}; nothing was written. Look ` +
    'at it with config-reloader canary status and try again.',
  promoteBaseMoved: (key: string, base: string, now: string | undefined) =>
    `conflict: ${quoted(key)} moved past the canary's base revision ${base} (now ` +
    `${now === undefined ? 'no key' : `at revision ${now}`}): promoting would undo that change; ` +
    'nothing was written. Abort the canary and start a new one from the current config.',
  promoted: (id: string, key: string, revision: string) =>
    `canary ${printable(id)} -> ${quoted(key)} at revision ${revision}; the canary is removed`,
  aborted: (id: string, revision: string) =>
    `canary ${printable(id)} at revision ${revision}: every member goes back to the base`,
  matchSet: (id: string, selector: string, revision: string) =>
    `canary ${printable(id)} now matches ${selector} (revision ${revision})`,
  matchUnchanged: (selector: string) => `the canary already matches ${selector}: nothing written`,
} as const;
