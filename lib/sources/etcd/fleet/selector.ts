import { createHash } from 'node:crypto';
import { joinPath } from '../../../change/config-path.js';
import { ConfigValidationError, type ConfigIssue } from '../../../config-reloader.errors.js';
import { closestName } from '../../../config-reloader.suggest.js';
import { isPrototypeKey, type InstanceIdentity } from '../../instance-identity.js';
import { selectorMessages, shownName } from './selector.messages.js';

/**
 * Which instances of a fleet an overlay, a canary or a trial is for. Every condition given must
 * hold; `{}` matches every instance.
 */
export interface Selector {
  /** The instance has each of these labels, with this value. */
  labels?: Record<string, string>;
  /**
   * The instance's bucket (`bucketOf(seed, instanceId)`) lies in `[from, to)`; `p` is `[0, p)`.
   * Widening a range keeps every instance that was in it.
   */
  percent?: number | [number, number];
  /** Hashed with the instance id; default: the canary's id or the overlay's name. */
  seed?: string;
  /** The instance's id is one of these. */
  instances?: string[];
}

/**
 * Where an instance falls, from 0 up to (not including) 100: the first 4 bytes of
 * sha256(`${seed}:${instanceId}`), as a big-endian unsigned integer, x 100 / 2^32. The same
 * seed and id give the same bucket on every machine and in every version, so every instance
 * and every tool agree on who is inside a percentage. The result is exact (2^32 is a power of
 * two): `[0, 50)` and `[50, 100)` share no instance.
 */
export function bucketOf(seed: string, instanceId: string): number {
  const digest = createHash('sha256').update(`${seed}:${instanceId}`, 'utf8').digest();
  return (digest.readUInt32BE(0) * 100) / 2 ** 32;
}

/** `percent` as the range `[from, to)` it stands for. */
export function percentRange(percent: number | readonly [number, number]): [number, number] {
  return typeof percent === 'number' ? [0, percent] : [percent[0], percent[1]];
}

/**
 * Whether `selector` is for this instance. `defaultSeed` is the seed when the selector gives
 * none: the canary's id or the overlay's name, so that two canaries split a fleet differently.
 */
export function selectorMatches(
  selector: Selector,
  identity: InstanceIdentity,
  defaultSeed: string,
): boolean {
  const { labels, percent, seed, instances } = selector;
  if (instances && !instances.includes(identity.instanceId)) return false;
  if (labels) {
    for (const [name, value] of Object.entries(labels)) {
      // Own labels only: `constructor` is no label of an instance that has none by that name.
      if (!Object.hasOwn(identity.labels, name) || identity.labels[name] !== value) return false;
    }
  }
  if (percent !== undefined) {
    const [from, to] = percentRange(percent);
    const bucket = bucketOf(seed ?? defaultSeed, identity.instanceId);
    if (bucket < from || bucket >= to) return false;
  }
  return true;
}

const FIELDS = ['labels', 'percent', 'seed', 'instances'] as const;

type Report = (path: string, message: string) => void;

/**
 * Reads a selector from a record any etcd user may have written, strictly: an object with the
 * known fields only (a misspelt `lables` would otherwise match every instance), each of its
 * type, percentages from 0 to 100 with `from <= to`, and no key that reaches a prototype.
 * Throws `ConfigValidationError(where, issues)`, each issue at its JSON path below `at`.
 */
export function readSelector(value: unknown, where: string, at = 'match'): Selector {
  const issues: ConfigIssue[] = [];
  const report: Report = (path, message) => void issues.push({ path, message });
  if (!isPlainObject(value)) {
    throw new ConfigValidationError(where, [
      { path: at, message: selectorMessages.notASelector(value) },
    ]);
  }
  for (const field of Object.keys(value)) {
    if ((FIELDS as readonly string[]).includes(field)) continue;
    const suggestion = closestName(field.slice(0, 64), FIELDS);
    report(joinPath(at, shownName(field)), selectorMessages.unknownField(suggestion));
  }
  const field = (name: (typeof FIELDS)[number]) =>
    Object.hasOwn(value, name) ? value[name] : undefined;
  const selector: Selector = {};
  const labels = field('labels');
  if (labels !== undefined) selector.labels = readLabels(labels, joinPath(at, 'labels'), report);
  const percent = field('percent');
  if (percent !== undefined) {
    selector.percent = readPercent(percent, joinPath(at, 'percent'), report);
  }
  const seed = field('seed');
  if (seed !== undefined) {
    if (typeof seed === 'string' && seed !== '') selector.seed = seed;
    else report(joinPath(at, 'seed'), selectorMessages.seed(seed));
  }
  const instances = field('instances');
  if (instances !== undefined) {
    selector.instances = readInstances(instances, joinPath(at, 'instances'), report);
  }
  if (issues.length > 0) throw new ConfigValidationError(where, issues);
  return selector;
}

function readLabels(value: unknown, path: string, report: Report): Record<string, string> {
  if (!isPlainObject(value)) {
    report(path, selectorMessages.notLabels(value));
    return {};
  }
  const labels: [string, string][] = [];
  for (const [name, label] of Object.entries(value)) {
    const labelPath = joinPath(path, shownName(name));
    if (name === '') report(labelPath, selectorMessages.emptyLabelName());
    else if (isPrototypeKey(name)) report(labelPath, selectorMessages.prototypeKey());
    else if (typeof label !== 'string' || label === '') {
      report(labelPath, selectorMessages.labelValue(label));
    } else labels.push([name, label]);
  }
  // Defined as own properties, never assigned: no name reaches Object.prototype.
  return Object.fromEntries(labels);
}

function readPercent(
  value: unknown,
  path: string,
  report: Report,
): number | [number, number] | undefined {
  if (typeof value === 'number') {
    if (isPercent(value)) return value;
    report(path, selectorMessages.percentBound(value));
    return undefined;
  }
  if (!Array.isArray(value) || value.length !== 2) {
    report(path, selectorMessages.percent(value));
    return undefined;
  }
  const [from, to] = value as unknown[];
  const bad = [from, to].map((bound, index) => {
    if (isPercent(bound)) return false;
    report(joinPath(path, index), selectorMessages.percentBound(bound));
    return true;
  });
  if (bad.includes(true)) return undefined;
  const range: [number, number] = [from as number, to as number];
  if (range[0] > range[1]) report(path, selectorMessages.percentOrder(range[0], range[1]));
  return range;
}

function readInstances(value: unknown, path: string, report: Report): string[] {
  if (!Array.isArray(value)) {
    report(path, selectorMessages.instances(value));
    return [];
  }
  const ids: string[] = [];
  (value as unknown[]).forEach((id, index) => {
    if (typeof id === 'string' && id !== '') ids.push(id);
    else report(joinPath(path, index), selectorMessages.instanceId(id));
  });
  return ids;
}

function isPercent(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 && value <= 100;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The record's `match`, read as `readSelector` does, its issues added to `issues` (so that one
 * error names every problem of the record): undefined when the record has none, or it is wrong.
 */
export function readMatchInto(
  record: Record<string, unknown>,
  where: string,
  issues: ConfigIssue[],
): Selector | undefined {
  if (!Object.hasOwn(record, 'match')) return undefined;
  try {
    return readSelector(record.match, where);
  } catch (error) {
    if (!(error instanceof ConfigValidationError)) throw error;
    issues.push(...error.issues);
    return undefined;
  }
}
