import { compareRevisions } from '../../fleet/revision-order.js';
import type { InstanceStatus } from './instance-status.js';

export { compareRevisions };

/**
 * Where one live instance stands on a published revision:
 * - 'applied': it runs that revision or a later one;
 * - 'rejected': it refused that revision or a later one (parse or validation), and kept its config;
 * - 'vetoed': its `beforeApply` refused it for now; it judges the change again and may apply it;
 * - 'behind': it has not decided yet (an older revision), or it holds the change staged.
 */
export type RolloutStanding = 'applied' | 'rejected' | 'vetoed' | 'behind';

export function rolloutStanding(instance: InstanceStatus, revision: string): RolloutStanding {
  if (instance.state === 'staged' || compareRevisions(instance.revision, revision) < 0) {
    return 'behind';
  }
  return instance.state;
}

export interface RolloutProgress {
  /** The published revision the progress is about. */
  revision: string;
  applied: InstanceStatus[];
  rejected: InstanceStatus[];
  vetoed: InstanceStatus[];
  behind: InstanceStatus[];
  /**
   * Every live instance decided for good (applied or rejected): waiting longer would change
   * nothing. A veto is not final: the instance applies the change once its reason is gone.
   */
  settled: boolean;
  /** Every live instance applied it (also true for a fleet with no live instance). */
  complete: boolean;
}

/** Sorts the live instances by their standing on `revision`. */
export function rolloutProgress(
  instances: readonly InstanceStatus[],
  revision: string,
): RolloutProgress {
  const progress: RolloutProgress = {
    revision,
    applied: [],
    rejected: [],
    vetoed: [],
    behind: [],
    settled: false,
    complete: false,
  };
  for (const instance of instances) progress[rolloutStanding(instance, revision)].push(instance);
  progress.settled = progress.behind.length === 0 && progress.vetoed.length === 0;
  progress.complete = progress.settled && progress.rejected.length === 0;
  return progress;
}
