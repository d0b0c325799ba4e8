import { escapeControlCharacters, printable } from '../../change/printable.js';

/** A key or a name, quoted; a name `rm` was given, or found in etcd, may hold anything. */
const quoted = (text: string) => `"${escapeControlCharacters(text)}"`;

/** The messages of `overlay set`, `overlay rm` and `overlay list`. */
export const overlayMessages = {
  recordMissing: (recordKey: string) =>
    `${quoted(recordKey)} does not exist yet: setting creates it`,
  recordAt: (recordKey: string, revision: string) =>
    `${quoted(recordKey)} is at revision ${revision}`,
  baseMissing: (key: string) =>
    `note: ${quoted(key)} does not exist: the patch is not checked over a base. Instances ` +
    'start once a config is published there.',
  patchRefused: (file: string, name: string) => `${file}; overlay ${quoted(name)} is unchanged`,
  patchedBaseRefused: (name: string, key: string) =>
    `overlay ${quoted(name)}: ${quoted(key)} with this patch merged over it is not a valid ` +
    'config; nothing written',
  recordRefused: (recordKey: string) =>
    `the record for ${quoted(recordKey)}, which instances would refuse; nothing written`,
  currentUnreadable: (recordKey: string, reason: string) =>
    `the current record of ${quoted(recordKey)} is unreadable (${printable(reason)}); the diff shows ` +
    'everything as new',
  newOverlay: (name: string, selector: string) =>
    `new overlay ${quoted(name)}, for the instances that match ${selector}`,
  unchanged: (recordKey: string, revision: string) =>
    `${quoted(recordKey)} already holds this match and patch at revision ${revision}: ` +
    'nothing written',
  alreadyWritten: (recordKey: string, revision: string) =>
    `${quoted(recordKey)} holds this very record at revision ${revision}, written between the ` +
    'read and the compare-and-swap: nothing more written',
  written: (name: string, recordKey: string, revision: string) =>
    `overlay ${quoted(name)} -> ${quoted(recordKey)} at revision ${revision}`,
  dryRun: (recordKey: string) => `dry run: ${quoted(recordKey)} not changed`,
  setAgain: () => 'Set it again to see the diff against the new record.',
  removed: (name: string, recordKey: string, revision: string) =>
    `overlay ${quoted(name)} (${quoted(recordKey)}) at revision ${revision}`,
  noSuchOverlay: (name: string, prefix: string) =>
    `no overlay ${quoted(name)} under ${quoted(prefix)}: nothing removed. config-reloader ` +
    'overlay list shows the overlays there.',
  listHeader: (key: string, hosts: string) =>
    `overlays of ${quoted(key)} (etcd ${hosts}), merged over it in this order where they match:`,
  noOverlays: (prefix: string) => `no overlays under ${quoted(prefix)}`,
  unreadableRecords: (count: number) =>
    `! ${count} overlay record(s) unreadable: every instance keeps its config and reports the ` +
    'error until the record is fixed (overlay set) or removed (overlay rm)',
} as const;
