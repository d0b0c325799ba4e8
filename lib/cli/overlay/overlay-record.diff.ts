import { joinPath } from '../../change/config-path.js';
import type { ConfigChange } from '../../change/config.diff.js';
import type { OverlayRecord } from '../../sources/etcd/fleet/overlay-record.js';
import { redactedChanges } from '../check/diff.format.js';
import { formatSelector } from '../shared/selector.flag.js';

/**
 * What setting an overlay changes: its selector (`match`, in the command line's syntax, one
 * change), then each path of its patch (`patch.risk.stopLoss`), redacted as `diff` redacts a
 * config: a value under a secret key shows as `[REDACTED]`, credentials in other strings masked.
 * Without an earlier record everything is new.
 */
export function overlayRecordChanges(
  before: OverlayRecord | undefined,
  after: OverlayRecord,
  extraSecretKeys: readonly string[] = [],
): ConfigChange[] {
  const changes: ConfigChange[] = [];
  const wasMatch = before === undefined ? undefined : formatSelector(before.match);
  const match = formatSelector(after.match);
  if (wasMatch !== match) changes.push({ path: 'match', oldValue: wasMatch, newValue: match });
  for (const change of redactedChanges(before?.patch ?? {}, after.patch, extraSecretKeys)) {
    changes.push({ ...change, path: joinPath('patch', change.path) });
  }
  return changes;
}
