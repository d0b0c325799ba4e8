import { hostname } from 'node:os';
import type { ConfigVariant } from '../../../interfaces/config-source.interface.js';
import type { SourceOutcome } from '../../../interfaces/config-source.interface.js';
import { isPrototypeKey, type InstanceIdentity } from '../../instance-identity.js';

/**
 * Fleet status: what each running instance says about the config it runs, kept under a lease at
 * `<key>/instances/<instanceId>` so that the record disappears when the process exits or dies.
 * Written by the etcd source, read by `config-reloader status` and `publish --wait`.
 */
export interface InstanceStatus {
  instanceId: string;
  hostname: string;
  pid: number;
  /** The module instance's `name` option ('default' unless several are registered). */
  name: string;
  /** The instance's labels (`etcdSource({ labels })`); `{}` when it has none. */
  labels: Record<string, string>;
  /** The app's version (`etcdSource({ appVersion })`), when known. */
  appVersion?: string;
  /** The config version in force (the applied one, also after a rejection). */
  version: number;
  /** The etcd `mod_revision` this state is about: applied, staged or rejected. */
  revision: string;
  /** sha256 of that revision's text. */
  hash: string;
  /**
   * Which canary and overlays made the document this record is about (applied, staged or
   * rejected); `{ overlays: [] }`: the base document as published.
   */
  variant: ConfigVariant;
  /**
   * 'rejected': this revision failed to parse or validate, final; 'vetoed': `beforeApply` refused
   * it for now and it is judged again; either way `version` stayed in force.
   */
  state: 'applied' | 'rejected' | 'vetoed' | 'staged';
  /** Why the revision was rejected or vetoed (never a secret value). */
  error?: { code: string; message: string };
  /** ISO time of this record. */
  updatedAt: string;
  /** What this instance made of the trial (`K/trials/<id>`) it judged last, while that exists. */
  trial?: TrialStatus;
}

/** An instance's answer to a trial: what a reload of the candidate would do; nothing applied. */
export interface TrialStatus {
  id: string;
  state: 'accepted' | 'rejected';
  /** Why it would be refused (never a secret value). */
  error?: { code: string; message: string };
}

let hostName: string | undefined;

/** The host's name, read once: `os.hostname()` is a system call, and every record carries it. */
function hostNameOnce(): string {
  return (hostName ??= hostname());
}

/** This process's record of what became of one change. */
export function instanceStatusOf(
  { instanceId, labels, appVersion }: InstanceIdentity,
  outcome: SourceOutcome,
  trial?: TrialStatus,
): InstanceStatus {
  const variant = outcome.variant ?? { overlays: [] };
  return {
    instanceId,
    hostname: hostNameOnce(),
    pid: process.pid,
    name: outcome.name,
    labels: { ...labels },
    ...(appVersion === undefined ? {} : { appVersion }),
    version: outcome.version,
    revision: outcome.revision,
    hash: outcome.hash,
    variant: {
      ...(variant.canary === undefined ? {} : { canary: variant.canary }),
      overlays: [...variant.overlays],
    },
    state: outcome.state,
    ...(outcome.error ? { error: outcome.error } : {}),
    updatedAt: new Date().toISOString(),
    ...(trial ? { trial } : {}),
  };
}

/** The prefix of all status records of the fleet on `key`. */
export function instancesPrefix(key: string): string {
  return `${key}/instances/`;
}

export function instanceStatusKey(key: string, instanceId: string): string {
  return `${instancesPrefix(key)}${instanceId}`;
}

const STATES = new Set(['applied', 'rejected', 'vetoed', 'staged']);

/** What an etcd revision looks like: a decimal int64, compared as a BigInt by the readers. */
const REVISION = /^(0|[1-9][0-9]{0,18})$/;

/** Shown instead of a field of the wrong type. */
const UNKNOWN = '?';

/**
 * Reads one record; undefined when it is not one (a foreign key under the prefix, or a record
 * without an id, a version, a known state or a revision etcd could have). Any instance may
 * write under the prefix, so every other field is type-checked too: one of the wrong type is
 * replaced (`?`, pid 0; labels and variant: none), never handed on to code that prints or
 * compares it.
 */
export function parseInstanceStatus(text: string): InstanceStatus | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!isObject(value)) return undefined;
  const { instanceId, version, revision, state } = value;
  if (
    typeof instanceId !== 'string' ||
    typeof version !== 'number' ||
    typeof revision !== 'string' ||
    !REVISION.test(revision) ||
    typeof state !== 'string' ||
    !STATES.has(state)
  ) {
    return undefined;
  }
  const error = errorIn(value.error);
  const trial = trialIn(value.trial);
  return {
    instanceId,
    hostname: textOf(value.hostname),
    pid: typeof value.pid === 'number' && Number.isInteger(value.pid) ? value.pid : 0,
    name: textOf(value.name),
    labels: labelsIn(value.labels),
    ...(typeof value.appVersion === 'string' ? { appVersion: value.appVersion } : {}),
    version,
    revision,
    hash: textOf(value.hash),
    variant: variantIn(value.variant),
    state: state as InstanceStatus['state'],
    ...(error ? { error } : {}),
    updatedAt: textOf(value.updatedAt),
    ...(trial ? { trial } : {}),
  };
}

function errorIn(value: unknown): { code: string; message: string } | undefined {
  return isObject(value) ? { code: textOf(value.code), message: textOf(value.message) } : undefined;
}

/** A record's trial answer: none without an id or a known state (nobody can tell what it says). */
function trialIn(value: unknown): TrialStatus | undefined {
  if (!isObject(value) || typeof value.id !== 'string') return undefined;
  if (value.state !== 'accepted' && value.state !== 'rejected') return undefined;
  const error = errorIn(value.error);
  return { id: value.id, state: value.state, ...(error ? { error } : {}) };
}

/**
 * A record's labels: none when they are no object (a record of an older version has none), `?`
 * for a value of the wrong type, and never a key that reaches a prototype. Built from entries,
 * never by assignment, so that no key can set the prototype of what is handed on.
 */
function labelsIn(value: unknown): Record<string, string> {
  if (!isObject(value)) return {};
  return Object.fromEntries(
    Object.entries(value)
      .filter(([name]) => !isPrototypeKey(name))
      .map(([name, label]) => [name, textOf(label)]),
  );
}

/** A record's variant: the base when it has none; `?` for a canary or overlay of the wrong type. */
function variantIn(value: unknown): ConfigVariant {
  if (!isObject(value)) return { overlays: [] };
  const overlays = Array.isArray(value.overlays) ? value.overlays.map(textOf) : [];
  return value.canary === undefined ? { overlays } : { canary: textOf(value.canary), overlays };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function textOf(value: unknown): string {
  return typeof value === 'string' ? value : UNKNOWN;
}
