import { toDottedPath } from './config-path.js';
import {
  isSecretPath,
  REDACTED,
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

/** Changes safe to log or store: values under secret keys replaced by `[REDACTED]`. */
export function redactChanges(
  changes: readonly ConfigChange[],
  isSecretKey: SecretKeyMatcher,
): ConfigChange[] {
  return changes.map(({ path, oldValue, newValue }) =>
    isSecretPath(path, isSecretKey)
      ? {
          path,
          oldValue: oldValue === undefined ? undefined : REDACTED,
          newValue: newValue === undefined ? undefined : REDACTED,
        }
      : {
          path,
          oldValue: redactSecrets(oldValue, isSecretKey),
          newValue: redactSecrets(newValue, isSecretKey),
        },
  );
}
