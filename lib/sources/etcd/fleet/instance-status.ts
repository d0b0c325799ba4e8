import { hostname } from 'node:os';
import type { SourceOutcome } from '../../config-source.interface.js';

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
  /** The config version in force (the applied one, also after a rejection). */
  version: number;
  /** The etcd `mod_revision` this state is about: applied, staged or rejected. */
  revision: string;
  /** sha256 of that revision's text. */
  hash: string;
  /**
   * 'rejected': this revision failed to parse or validate, final; 'vetoed': `beforeApply` refused
   * it for now and it is judged again; either way `version` stayed in force.
   */
  state: 'applied' | 'rejected' | 'vetoed' | 'staged';
  /** Why the revision was rejected or vetoed (never a secret value). */
  error?: { code: string; message: string };
  /** ISO time of this record. */
  updatedAt: string;
}

/** This process's record of what became of one change. */
export function instanceStatusOf(instanceId: string, outcome: SourceOutcome): InstanceStatus {
  return {
    instanceId,
    hostname: hostname(),
    pid: process.pid,
    name: outcome.name,
    version: outcome.version,
    revision: outcome.revision,
    hash: outcome.hash,
    state: outcome.state,
    ...(outcome.error ? { error: outcome.error } : {}),
    updatedAt: new Date().toISOString(),
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
 * replaced (`?`, pid 0), never handed on to code that prints or compares it.
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
  const error = isObject(value.error)
    ? { code: textOf(value.error.code), message: textOf(value.error.message) }
    : undefined;
  return {
    instanceId,
    hostname: textOf(value.hostname),
    pid: typeof value.pid === 'number' && Number.isInteger(value.pid) ? value.pid : 0,
    name: textOf(value.name),
    version,
    revision,
    hash: textOf(value.hash),
    state: state as InstanceStatus['state'],
    ...(error ? { error } : {}),
    updatedAt: textOf(value.updatedAt),
  };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function textOf(value: unknown): string {
  return typeof value === 'string' ? value : UNKNOWN;
}
