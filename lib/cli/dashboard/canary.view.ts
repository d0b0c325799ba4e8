import type { ConfigChange } from '../../change/config.diff.js';
import type { StoredCanary } from '../../sources/etcd/fleet/canary.store.js';
import type { InstanceStatus } from '../../sources/etcd/fleet/instance-status.js';
import { selectorMatches } from '../../sources/fleet/selector.js';
import { CanaryMembers, type MemberState } from '../canary/canary-members.js';
import { formatSelector } from '../shared/selector.flag.js';
import { shownError, type ShownError } from './shown-error.js';

export interface CanaryView {
  id: string;
  match: string;
  baseRevision: string;
  modRevision: string;
  createdAt: string;
  aborted?: { by: string; at: string; error: ShownError };
  /** Every member, by instance id: live ones as their records say, and those that vanished. */
  members: { instanceId: string; state: MemberState; error?: ShownError }[];
  /** The candidate against the base, redacted. */
  diff: ConfigChange[];
}

export interface CanaryInput {
  canary: StoredCanary | undefined;
  canaryDiff: ConfigChange[];
  live: readonly InstanceStatus[];
  /** Instances whose record vanished, when, and their last record. */
  gone: readonly { at: string; last: InstanceStatus }[];
}

/** The canary box: the record, its members and the diff; or why no instance can read it. */
export function canaryView(input: CanaryInput): {
  canary: CanaryView | null;
  canaryProblem?: string;
} {
  const stored = input.canary;
  if (stored === undefined) return { canary: null };
  const { record } = stored;
  if (record === undefined) {
    return { canary: null, canaryProblem: 'the canary record is unreadable by the instances' };
  }
  const live = new Map(input.live.map((instance) => [instance.instanceId, instance]));
  const members = new CanaryMembers(record.id).see(record, stored.modRevision, live, []);
  // A member that vanished since the canary began failed it, as `canary --wait` counts it.
  for (const { at, last } of input.gone) {
    if (at >= record.createdAt && selectorMatches(record.match, last, record.id)) {
      members.push({ instance: last, state: 'gone' });
    }
  }
  members.sort((a, b) => a.instance.instanceId.localeCompare(b.instance.instanceId));
  return {
    canary: {
      id: record.id,
      match: formatSelector(record.match),
      baseRevision: record.baseRevision,
      modRevision: stored.modRevision,
      createdAt: record.createdAt,
      ...(record.aborted
        ? { aborted: { ...record.aborted, error: shownError(record.aborted.error)! } }
        : {}),
      members: members.map(({ instance, state }) => ({
        instanceId: instance.instanceId,
        state,
        ...((state === 'rejected' || state === 'vetoed') && instance.error
          ? { error: shownError(instance.error) }
          : {}),
      })),
      diff: input.canaryDiff,
    },
  };
}
