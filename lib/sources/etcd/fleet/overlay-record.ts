import { ConfigValidationError, type ConfigIssue } from '../../../config-reloader.errors.js';
import { closestName } from '../../../config-reloader.suggest.js';
import { parseConfigText } from '../../../pipeline/document/config.parser.js';
import { readMatchInto, type Selector } from './selector.js';
import { shownName } from './selector.messages.js';

/** Where the overlays of the config key `key` live: `<key>/overlays/<name>`. */
export function overlaysPrefix(key: string): string {
  return `${key}/overlays/`;
}

/** `K/overlays/<name>`: a merge patch for the instances its selector matches. */
export interface OverlayRecord {
  match: Selector;
  /** An RFC 7386 merge patch: a JSON object, merged over the base (or the canary's candidate). */
  patch: Record<string, unknown>;
}

const FIELDS = ['match', 'patch'] as const;

const overlayMessages = {
  unknownField: (suggestion: string | undefined) =>
    'unknown field: an overlay has match and patch only' +
    (suggestion ? ` (did you mean "${suggestion}"?)` : ''),
  matchMissing: () => 'is required: a selector, {} for every instance',
  patchNotObject: () => 'must be a JSON object, an RFC 7386 merge patch',
};

/**
 * Reads an overlay record as strictly as a config: any etcd user with write access to the prefix
 * can put one, and a misspelt field must not silently widen or drop a patch. Throws
 * `ConfigParseError` (bad JSON, with line and column) or `ConfigValidationError` (with the JSON
 * path), both naming `where` (the record's key).
 */
export function readOverlayRecord(text: string, where: string): OverlayRecord {
  const record = parseConfigText(text, where);
  const issues: ConfigIssue[] = [];
  for (const field of Object.keys(record)) {
    if ((FIELDS as readonly string[]).includes(field)) continue;
    const hint = closestName(field, FIELDS);
    issues.push({ path: shownName(field), message: overlayMessages.unknownField(hint) });
  }
  if (!Object.hasOwn(record, 'match')) {
    issues.push({ path: 'match', message: overlayMessages.matchMissing() });
  }
  const patch = record.patch;
  if (typeof patch !== 'object' || patch === null || Array.isArray(patch)) {
    issues.push({ path: 'patch', message: overlayMessages.patchNotObject() });
  }
  const match = readMatchInto(record, where, issues) ?? {};
  if (issues.length > 0) throw new ConfigValidationError(where, issues);
  return { match, patch: patch as Record<string, unknown> };
}
