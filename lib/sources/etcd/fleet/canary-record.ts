import { ConfigValidationError, type ConfigIssue } from '../../../config-reloader.errors.js';
import { closestName } from '../../../config-reloader.suggest.js';
import { parseConfigText } from '../../../pipeline/document/config.parser.js';
import { readMatchInto, type Selector } from './selector.js';
import { shownName } from './selector.messages.js';

/** Where the canary of the config key `key` lives: `<key>/canary`. */
export function canaryKey(key: string): string {
  return `${key}/canary`;
}

/** Why a member marked a canary aborted, as it wrote it (untrusted text when shown). */
export interface CanaryAbort {
  /** The instance id of the member that rejected the candidate. */
  by: string;
  /** When, as an ISO 8601 time. */
  at: string;
  /** What it reported: the code and message of its rejection (never a config value). */
  error: { code: string; message: string };
}

/**
 * `K/canary`: a candidate document that the instances `match` selects run in place of the base
 * `K`, everyone else staying on the base, until it is promoted (written to `K`) or aborted.
 */
export interface CanaryRecord {
  id: string;
  /** The whole JSON document the members run in place of the base. */
  candidate: string;
  /** `K`'s mod_revision when the canary was made: promote refuses once `K` moved past it. */
  baseRevision: string;
  match: Selector;
  /** A member that rejects the candidate marks the canary aborted itself. */
  abortOnReject: boolean;
  createdAt: string;
  /** Set by the member that rejected it; an aborted canary is treated as absent. */
  aborted?: CanaryAbort;
}

const FIELDS = [
  'id',
  'candidate',
  'baseRevision',
  'match',
  'abortOnReject',
  'createdAt',
  'aborted',
] as const;
const ABORT_FIELDS = ['by', 'at', 'error'] as const;
const MAX_ID_LENGTH = 128;

const canaryMessages = {
  unknownField: (suggestion: string | undefined) =>
    `unknown field: a canary has ${FIELDS.join(', ')} only` +
    (suggestion ? ` (did you mean "${suggestion}"?)` : ''),
  id: () => `is required: a string of 1 to ${MAX_ID_LENGTH} characters, the canary's name`,
  // Never quotes the candidate: it is a config, with its secrets.
  candidate: () => 'is required: the whole JSON document the members run, as a string',
  baseRevision: () => "is required: the base key's mod_revision, as a string of digits",
  match: () => 'is required: a selector, {} for every instance',
  abortOnReject: () => 'is required: true or false',
  createdAt: () => 'is required: an ISO 8601 time, as a string',
  aborted: () =>
    'must be { by, at, error: { code, message } }, all strings, as a rejecting member writes it',
};

/**
 * Reads the canary record as strictly as a config: any etcd user with write access to the key
 * can put one, and an instance must say it cannot read a field rather than run something else.
 * Throws `ConfigParseError` (bad JSON, with line and column) or `ConfigValidationError` (with
 * the JSON path), both naming `where` (the record's key); never quotes the candidate.
 */
export function readCanaryRecord(text: string, where: string): CanaryRecord {
  const record = parseConfigText(text, where);
  const issues: ConfigIssue[] = [];
  for (const field of Object.keys(record)) {
    if ((FIELDS as readonly string[]).includes(field)) continue;
    const hint = closestName(field.slice(0, 64), FIELDS);
    issues.push({ path: shownName(field), message: canaryMessages.unknownField(hint) });
  }
  const { id, candidate, baseRevision, abortOnReject, createdAt, aborted } = record;
  if (typeof id !== 'string' || id.length === 0 || id.length > MAX_ID_LENGTH) {
    issues.push({ path: 'id', message: canaryMessages.id() });
  }
  if (typeof candidate !== 'string') {
    issues.push({ path: 'candidate', message: canaryMessages.candidate() });
  }
  if (typeof baseRevision !== 'string' || !/^\d+$/.test(baseRevision)) {
    issues.push({ path: 'baseRevision', message: canaryMessages.baseRevision() });
  }
  if (!Object.hasOwn(record, 'match'))
    issues.push({ path: 'match', message: canaryMessages.match() });
  if (typeof abortOnReject !== 'boolean') {
    issues.push({ path: 'abortOnReject', message: canaryMessages.abortOnReject() });
  }
  if (typeof createdAt !== 'string') {
    issues.push({ path: 'createdAt', message: canaryMessages.createdAt() });
  }
  if (aborted !== undefined && !isAbort(aborted)) {
    issues.push({ path: 'aborted', message: canaryMessages.aborted() });
  }
  const match = readMatchInto(record, where, issues);
  if (issues.length > 0) throw new ConfigValidationError(where, issues);
  return {
    id: id as string,
    candidate: candidate as string,
    baseRevision: baseRevision as string,
    match: match ?? {},
    abortOnReject: abortOnReject as boolean,
    createdAt: createdAt as string,
    ...(aborted === undefined ? {} : { aborted: aborted as CanaryAbort }),
  };
}

/** The record as `publish --canary`, `canary set` and an aborting member write it. */
export function canaryRecordText(record: CanaryRecord): string {
  return JSON.stringify(record);
}

function isAbort(value: unknown): value is CanaryAbort {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const abort = value as Record<string, unknown>;
  if (Object.keys(abort).some((field) => !(ABORT_FIELDS as readonly string[]).includes(field))) {
    return false;
  }
  const error = abort.error as Record<string, unknown> | null | undefined;
  return (
    typeof abort.by === 'string' &&
    typeof abort.at === 'string' &&
    typeof error === 'object' &&
    error !== null &&
    typeof error.code === 'string' &&
    typeof error.message === 'string'
  );
}
