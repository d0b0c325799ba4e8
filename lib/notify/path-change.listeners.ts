import type { ConfigPathChange, ConfigPathListener } from '../interfaces/index.js';

interface Subscription {
  segments: readonly string[];
  listener: ConfigPathListener;
}

/**
 * `onChange(path, listener)`: after each applied (and announced) version, calls each listener
 * once per concrete path matching its pattern whose value changed. `*` stands for one key or
 * index. Values are compared deeply with key order ignored; thanks to structural sharing an
 * unchanged subtree is the same object, so most comparisons stop at `===`.
 */
export class PathChangeListeners {
  private readonly subscriptions = new Set<Subscription>();

  constructor(private readonly isolate: (kind: string, call: () => unknown) => void) {}

  subscribe(path: string, listener: ConfigPathListener): () => void {
    if (typeof path !== 'string') throw new TypeError('onChange(path) takes a dotted path string');
    const subscription = { segments: path === '' ? [] : path.split('.'), listener };
    this.subscriptions.add(subscription);
    return () => {
      this.subscriptions.delete(subscription);
    };
  }

  clear(): void {
    this.subscriptions.clear();
  }

  changed(previous: unknown, next: unknown, version: number): void {
    for (const { segments, listener } of Array.from(this.subscriptions)) {
      for (const change of changedPaths(segments, previous, next, version)) {
        this.isolate('onChange() listener', () => listener(change));
      }
    }
  }
}

/** Every concrete path matching `segments` whose value differs between the two configs. */
export function changedPaths(
  segments: readonly string[],
  previous: unknown,
  next: unknown,
  version: number,
): ConfigPathChange[] {
  const found: ConfigPathChange[] = [];
  const walk = (depth: number, path: string[], before: unknown, after: unknown): void => {
    if (before === after) return; // shared or equal primitive: nothing changed below
    if (depth === segments.length) {
      if (!deepEqual(before, after)) {
        found.push({ path: path.join('.'), previous: before, next: after, version });
      }
      return;
    }
    const segment = segments[depth]!;
    const keys = segment === '*' ? unionOfKeys(before, after) : [segment];
    for (const key of keys) walk(depth + 1, [...path, key], child(before, key), child(after, key));
  };
  walk(0, [], previous, next);
  return found;
}

function child(value: unknown, key: string): unknown {
  if (value === null || typeof value !== 'object') return undefined;
  return Object.prototype.hasOwnProperty.call(value, key)
    ? (value as Record<string, unknown>)[key]
    : undefined;
}

function unionOfKeys(a: unknown, b: unknown): string[] {
  const keys = new Set<string>();
  for (const value of [a, b]) {
    if (value !== null && typeof value === 'object')
      for (const key of Object.keys(value)) keys.add(key);
  }
  return [...keys];
}

/** Deep equality of JSON-like values, key order ignored. */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const aKeys = Object.keys(a);
  if (aKeys.length !== Object.keys(b).length) return false;
  return aKeys.every(
    (key) =>
      Object.prototype.hasOwnProperty.call(b, key) &&
      deepEqual((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key]),
  );
}
