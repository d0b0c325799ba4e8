import diff from 'microdiff';
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
 * numbers): `strategies.3.risk.stopLoss`. Added and removed keys count as changes.
 */
export function diffConfigs(before: object, after: object): ConfigChange[] {
  // Both sides alike: a key inherited on one side would hide an added key on the other.
  const copy = hasInheritedName(before) || hasInheritedName(after);
  const [left, right] = copy
    ? [withoutPrototypes(before), withoutPrototypes(after)]
    : [before as Record<string, unknown>, after as Record<string, unknown>];
  return diff(left, right, { cyclesFix: false }).map((difference) => ({
    path: toDottedPath(difference.path),
    oldValue: difference.type === 'CREATE' ? undefined : difference.oldValue,
    newValue: difference.type === 'REMOVE' ? undefined : difference.value,
  }));
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

/**
 * microdiff tests keys with `in`, which also sees inherited names: an added `constructor` or
 * `toString` key would go unnoticed. Such keys are rare, so look for them first (no copy) and
 * only then compare prototype-less copies, which have their own keys alone.
 */
// A config is compared twice (as the new one, then as the old one): look at each once.
const inheritedNameSeen = new WeakMap<object, boolean>();

function hasInheritedName(root: object): boolean {
  let found = inheritedNameSeen.get(root);
  if (found === undefined) inheritedNameSeen.set(root, (found = containsInheritedName(root)));
  return found;
}

function containsInheritedName(value: unknown): boolean {
  if (value === null || typeof value !== 'object') return false;
  if (Array.isArray(value)) return value.some(containsInheritedName);
  for (const key of Object.keys(value)) {
    if (key in Object.prototype || containsInheritedName((value as Record<string, unknown>)[key])) {
      return true;
    }
  }
  return false;
}

function withoutPrototypes(value: object): Record<string, unknown> {
  const copy = (inner: unknown): unknown => {
    if (Array.isArray(inner)) return inner.map(copy);
    if (inner === null || typeof inner !== 'object') return inner;
    const result: Record<string, unknown> = Object.create(null);
    for (const [key, child] of Object.entries(inner)) result[key] = copy(child);
    return result;
  };
  return copy(value) as Record<string, unknown>;
}
