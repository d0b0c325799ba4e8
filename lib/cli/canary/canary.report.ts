import { printable } from '../../change/printable.js';
import type { CanaryAbort } from '../../sources/fleet/canary-record.js';
import type { CliOutput } from '../shared/cli-output.js';
import { formatLabels } from '../shared/identity.format.js';
import { abortReason } from './canary.messages.js';
import type { CanaryMember, MemberState } from './canary-members.js';

const WORD: Record<MemberState, string> = {
  applied: 'applied ',
  staged: 'staged  ',
  behind: 'behind  ',
  rejected: 'rejected',
  vetoed: 'vetoed  ',
  gone: 'gone    ',
};

const COLOUR = {
  applied: 'green',
  staged: 'yellow',
  behind: 'yellow',
  rejected: 'red',
  vetoed: 'red',
  gone: 'red',
} as const;

/** One member on one line, and why; every field of its record is untrusted text. */
export function memberRow({ instance, state }: CanaryMember): string {
  const labels = formatLabels(instance.labels);
  const who = `${printable(instance.instanceId)} on ${printable(instance.hostname)}${labels ? ` (${labels})` : ''}`;
  const error = instance.error
    ? `${printable(instance.error.code)}: ${printable(instance.error.message)}`
    : 'no error given';
  const revision = `revision ${printable(instance.revision)}`;
  const why = {
    applied: `runs the candidate (${revision})`,
    staged: `holds the candidate staged (${revision}), not applied yet: waiting for its hold to end`,
    behind: `has not applied the candidate yet (${printable(instance.state)} at ${revision})`,
    rejected: error,
    vetoed: `${error} (a veto counts as a rejection)`,
    gone: 'its record vanished: the process ended or its lease expired',
  }[state];
  return `  ${WORD[state]} ${who}: ${why}`;
}

/**
 * A member of an aborted canary that no longer runs the candidate is where the abort sent it,
 * back on the base: not "behind".
 */
export function backOnBaseRow({ instance }: CanaryMember): string {
  const labels = formatLabels(instance.labels);
  const who = `${printable(instance.instanceId)} on ${printable(instance.hostname)}${labels ? ` (${labels})` : ''}`;
  return `  base     ${who}: back on the base (${printable(instance.state)} at revision ${printable(instance.revision)})`;
}

export function printMember(
  output: CliOutput,
  member: CanaryMember,
  err = false,
  aborted = false,
): void {
  const line =
    aborted && member.state === 'behind'
      ? output.paint('gray', backOnBaseRow(member))
      : output.paint(COLOUR[member.state], memberRow(member));
  if (err) output.err(line);
  else output.out(line);
}

/** The member that marked the canary aborted, and its reason, as it wrote them. */
export function abortRow(aborted: CanaryAbort): string {
  return `  aborted  ${printable(aborted.by)}: ${abortReason(aborted)} (it marked the canary aborted)`;
}

/** What `publish --canary --wait` says while it waits and when it ends. */
export const canaryWaitMessages = {
  waiting: (timeout: string) =>
    `waiting up to ${timeout} for every live member to apply the candidate`,
  nobody: (key: string) =>
    `no live instance under "${key}/instances/" matches the canary yet: waiting for one to start ` +
    '(a canary that no instance ran is never called healthy)',
  allApplied: (count: number, bake: string) =>
    `all ${count} live member(s) applied the candidate; baking for ${bake}`,
  healthy: (id: string, count: number) =>
    `canary ${printable(id)} is healthy: ${count} live member(s) ran it through the bake without ` +
    'a rejection; it stays in place until promoted (canary promote) or aborted (canary abort)',
  failed: (id: string) => `canary ${printable(id)} failed:`,
  abortedByCli: (id: string) =>
    `the canary ${printable(id)} is marked aborted: every member goes back to the base`,
  abortedAlready: (id: string) =>
    `the canary ${printable(id)} was aborted already: every member goes back to the base`,
  timedOut: (timeout: string) =>
    `not every member applied the candidate within ${timeout}; the canary is left in place ` +
    '(canary status shows it; canary abort removes it):',
  notAppliedAfterBake: () =>
    'the bake ended with members that do not run the candidate; the canary is left in place:',
  removed: (key: string) =>
    `the canary of "${key}" was removed or replaced meanwhile (canary promote or abort, or a ` +
    'new canary, from elsewhere): nothing more to wait for',
  interrupted: () =>
    'interrupted: the canary is left in place (canary status shows it; canary abort removes it)',
} as const;
