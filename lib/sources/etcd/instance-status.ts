import { hostname } from 'node:os';
import type { SourceOutcome } from '../config-source.interface.js';

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

/** Reads one record; undefined when it is not one (a foreign key under the prefix). */
export function parseInstanceStatus(text: string): InstanceStatus | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const record = value as Partial<InstanceStatus>;
  const valid =
    typeof record.instanceId === 'string' &&
    typeof record.version === 'number' &&
    typeof record.revision === 'string' &&
    typeof record.state === 'string' &&
    STATES.has(record.state);
  return valid ? (record as InstanceStatus) : undefined;
}
