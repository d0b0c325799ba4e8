import type { CanaryRecord } from '../../sources/fleet/canary-record.js';
import type { InstanceStatus } from '../../sources/etcd/fleet/instance-status.js';
import { compareRevisions } from '../../sources/fleet/revision-order.js';
import { selectorMatches } from '../../sources/fleet/selector.js';

/**
 * Where a member of a canary stands: it runs the candidate ('applied'), holds it ('staged'), has
 * not reported on it yet ('behind'), refused it ('rejected'; 'vetoed' by its beforeApply, which
 * a canary counts as a rejection), or its record vanished ('gone': the process ended).
 */
export type MemberState = 'applied' | 'staged' | 'behind' | 'rejected' | 'vetoed' | 'gone';

export interface CanaryMember {
  instance: InstanceStatus;
  state: MemberState;
}

const FAILED: readonly MemberState[] = ['rejected', 'vetoed', 'gone'];

/** Whether the member failed the canary, for good. */
export const hasFailed = (member: CanaryMember) => FAILED.includes(member.state);

/**
 * What an instance's record says about the canary `id`, whose record is at `modRevision`: only a
 * record about a document made with this canary (`variant.canary`) counts. A rejection of it
 * counts at any revision; an applied or staged one once it is about the canary as it is now.
 */
export function memberState(
  instance: InstanceStatus,
  id: string,
  modRevision: string,
): Exclude<MemberState, 'gone'> {
  if (instance.variant.canary !== id) return 'behind';
  if (instance.state === 'rejected' || instance.state === 'vetoed') return instance.state;
  return compareRevisions(instance.revision, modRevision) < 0 ? 'behind' : instance.state;
}

/**
 * The members of one canary over a wait: every live instance its selector matches (the canary's
 * id is the default seed, as each instance decides for itself), joining as they start. A member
 * that rejected the canary or vanished stays failed, whatever it reports later: the canary must
 * hold from its creation to the end of the bake.
 */
export class CanaryMembers {
  private readonly members = new Map<string, CanaryMember>();

  constructor(private readonly id: string) {}

  /** A new view of the fleet: the members whose state changed with it. */
  see(
    canary: CanaryRecord,
    modRevision: string,
    live: ReadonlyMap<string, InstanceStatus>,
    vanished: readonly string[],
  ): CanaryMember[] {
    const changed: CanaryMember[] = [];
    const update = (member: CanaryMember) => {
      const before = this.members.get(member.instance.instanceId);
      if (before && hasFailed(before)) return;
      this.members.set(member.instance.instanceId, member);
      if (before?.state !== member.state) changed.push(member);
    };
    for (const id of vanished) {
      const member = this.members.get(id);
      if (member) update({ instance: member.instance, state: 'gone' });
    }
    for (const instance of live.values()) {
      const known = this.members.get(instance.instanceId);
      if (!selectorMatches(canary.match, instance, this.id)) {
        // Narrowed out by canary set: no longer a member, unless it failed already.
        if (known && !hasFailed(known)) this.members.delete(instance.instanceId);
        continue;
      }
      update({ instance, state: memberState(instance, this.id, modRevision) });
    }
    return changed;
  }

  /** Every member, failed ones included, by instance id. */
  all(): CanaryMember[] {
    return [...this.members.values()].sort((a, b) =>
      a.instance.instanceId.localeCompare(b.instance.instanceId),
    );
  }

  get failed(): CanaryMember[] {
    return this.all().filter(hasFailed);
  }

  /**
   * At least one member, and every member runs the candidate. A canary that no instance ran
   * proves nothing: it must never be called healthy (and promoted with `--promote`).
   */
  get allApplied(): boolean {
    const all = this.all();
    return all.length > 0 && all.every((member) => member.state === 'applied');
  }

  get count(): number {
    return this.members.size;
  }
}
