import { toDottedPath } from './config-path.js';
import {
  isSecretPath,
  REDACTED,
  redactPath,
  redactSecrets,
  type SecretKeyMatcher,
} from './secret-redaction.js';

/** One difference between two configs; a missing side is `undefined` (key added or removed). */
export interface ConfigChange {
  path: string;
  oldValue: unknown;
  newValue: unknown;
}

/**
 * Every value that differs between two parsed configs, with dotted paths (array indices as
 * numbers): `strategies.3.risk.stopLoss`. Added and removed keys count as changes. Own keys
 * only (an added `constructor` or `toString` key is a change like any other); in order: each
 * object's own keys as they are written, then the keys it gained. Values compare with
 * `Object.is`, objects with objects and arrays with arrays, key by key: microdiff's result
 * on JSON values, but a subtree that is the same object on both sides is not walked at all, so
 * that with structural sharing a diff costs what the change costs.
 */
export function diffConfigs(before: object, after: object): ConfigChange[] {
  const changes: ConfigChange[] = [];
  collectChanges(before as Record<string, unknown>, after as Record<string, unknown>, [], changes);
  return changes;
}

function collectChanges(
  before: Record<string, unknown>,
  after: Record<string, unknown>,
  path: (string | number)[],
  changes: ConfigChange[],
): void {
  const inArray = Array.isArray(before);
  for (const key of Object.keys(before)) {
    const at = [...path, inArray ? Number(key) : key];
    const oldValue = before[key];
    if (!Object.hasOwn(after, key)) {
      changes.push({ path: toDottedPath(at), oldValue, newValue: undefined });
      continue;
    }
    const newValue = after[key];
    if (Object.is(oldValue, newValue)) continue;
    if (
      isObject(oldValue) &&
      isObject(newValue) &&
      Array.isArray(oldValue) === Array.isArray(newValue)
    ) {
      collectChanges(
        oldValue as Record<string, unknown>,
        newValue as Record<string, unknown>,
        at,
        changes,
      );
    } else {
      changes.push({ path: toDottedPath(at), oldValue, newValue });
    }
  }
  const toArray = Array.isArray(after);
  for (const key of Object.keys(after)) {
    if (Object.hasOwn(before, key)) continue;
    const at = [...path, toArray ? Number(key) : key];
    changes.push({ path: toDottedPath(at), oldValue: undefined, newValue: after[key] });
  }
}

function isObject(value: unknown): value is object {
  return value !== null && typeof value === 'object';
}

/** The dotted paths of `diffConfigs`, each once. */
export function changedPaths(before: object, after: object): string[] {
  return pathsOf(diffConfigs(before, after));
}

/** The paths of a list of changes, each once, in order. */
export function pathsOf(changes: readonly ConfigChange[]): string[] {
  return [...new Set(changes.map((change) => change.path))];
}

/**
 * Changes safe to log or store: values under secret keys replaced by `[REDACTED]`, credentials
 * inside other strings masked, and key names below a secret key hidden too (`apiTokens.[REDACTED]`,
 * once however many changed below it).
 */
export function redactChanges(
  changes: readonly ConfigChange[],
  isSecretKey: SecretKeyMatcher,
): ConfigChange[] {
  const redacted = new Map<string, ConfigChange>();
  for (const { path, oldValue, newValue } of changes) {
    const shown = redactPath(path, isSecretKey);
    if (isSecretPath(path, isSecretKey)) {
      const earlier = redacted.get(shown);
      redacted.set(shown, {
        path: shown,
        oldValue: oldValue === undefined && !earlier?.oldValue ? undefined : REDACTED,
        newValue: newValue === undefined && !earlier?.newValue ? undefined : REDACTED,
      });
    } else {
      redacted.set(shown, {
        path: shown,
        oldValue: redactSecrets(oldValue, isSecretKey),
        newValue: redactSecrets(newValue, isSecretKey),
      });
    }
  }
  return [...redacted.values()];
}

/** The changed paths safe to log or announce: key names below a secret key hidden, each once. */
export function redactedPathsOf(
  changes: readonly ConfigChange[],
  isSecretKey: SecretKeyMatcher,
): string[] {
  return [...new Set(changes.map((change) => redactPath(change.path, isSecretKey)))];
}
