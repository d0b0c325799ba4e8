import type { InstanceStatus } from '../../sources/etcd/fleet/instance-status.js';
import type {
  RolloutProgress,
  RolloutStanding,
} from '../../sources/etcd/fleet/rollout-progress.js';
import type { RolloutResult } from '../../sources/etcd/fleet/rollout.watcher.js';
import { ExitCode, type CliOutput } from '../shared/cli-output.js';
import { ageOf, formatAge } from '../shared/age.format.js';
import { printable } from '../../change/printable.js';

const who = (instance: InstanceStatus) =>
  `${printable(instance.instanceId)} on ${printable(instance.hostname)}`;

const reason = (instance: InstanceStatus) =>
  instance.error
    ? `${printable(instance.error.code)}: ${printable(instance.error.message)}`
    : 'no error given';

/** Prints each instance once as it decides or stages, so a long rollout shows how it goes. */
export function progressPrinter(output: CliOutput): (progress: RolloutProgress) => void {
  const printed = new Set<string>();
  return (progress) => {
    // Staged on this revision: validated, held until the instance's hold ends.
    const staged = progress.behind.filter(
      (instance) => instance.state === 'staged' && instance.revision === progress.revision,
    );
    for (const [word, colour, instances, why] of [
      ['applied ', 'green', progress.applied, false],
      ['rejected', 'red', progress.rejected, false],
      ['vetoed  ', 'yellow', progress.vetoed, true],
      ['staged  ', 'yellow', staged, false],
    ] as const) {
      for (const instance of instances) {
        const because = why ? `: ${reason(instance)}; waiting for it to apply` : '';
        const line = `  ${word} ${who(instance)} (revision ${printable(instance.revision)})${because}`;
        if (printed.has(line)) continue;
        printed.add(line);
        output.out(output.paint(colour, line));
      }
    }
  };
}

/**
 * The end of `publish --wait`: either every live instance applied the revision (exit 0), or
 * each one that rejected it (with its error), vetoed it (with its reason) or is still behind
 * (with its state and revision) is named on stderr, and the exit code says which: 5 when one
 * rejected it (final), else 6 (a veto is judged again, so it is not final).
 */
export function reportRollout(output: CliOutput, result: RolloutResult, key: string): number {
  const { applied, rejected, vetoed, behind } = result;
  const total = applied.length + rejected.length + vetoed.length + behind.length;
  if (result.complete) {
    if (total === 0) {
      output.err(
        output.paint(
          'yellow',
          `no live instance reports under "${key}/instances/": nothing to wait for`,
        ),
      );
    } else {
      output.out(
        output.paint(
          'green',
          `rolled out: all ${total} live instance(s) applied revision ${result.revision}`,
        ),
      );
    }
    return ExitCode.Ok;
  }
  const parts = [
    rejected.length > 0 ? `rejected by ${rejected.length}` : '',
    vetoed.length > 0 ? `vetoed for now by ${vetoed.length}` : '',
    behind.length > 0 ? `not applied yet by ${behind.length}` : '',
  ].filter(Boolean);
  output.err(
    output.paint(
      'red',
      `not rolled out: revision ${result.revision} ${parts.join(', ')} of ${total} live instance(s)`,
    ),
  );
  for (const instance of rejected) {
    output.err(
      `  rejected ${who(instance)}: ${reason(instance)} (keeps version ${printable(instance.version)})`,
    );
  }
  for (const instance of vetoed) {
    output.err(
      `  vetoed   ${who(instance)}: ${reason(instance)} (keeps version ` +
        `${printable(instance.version)}; applies it by itself once its beforeApply allows)`,
    );
  }
  for (const instance of behind) {
    const age = formatAge(ageOf(String(instance.updatedAt)));
    output.err(
      `  behind   ${who(instance)}: ${printable(instance.state)} at revision ` +
        `${printable(instance.revision)} (version ${printable(instance.version)}, reported ${age} ago)`,
    );
  }
  if (result.disconnected) {
    output.err('  etcd stopped answering during the wait: these are the last reports seen');
  }
  return rolloutExitCode(result);
}

/** 0 all applied, 5 one rejected (final), 6 one is behind, staged or vetoed. */
export function rolloutExitCode(progress: RolloutProgress): number {
  if (progress.complete) return ExitCode.Ok;
  return progress.rejected.length > 0 ? ExitCode.Rejected : ExitCode.Behind;
}

/** The same, from where each live instance stands (`status`). */
export function standingsExitCode(standings: readonly (RolloutStanding | null)[]): number {
  if (standings.includes('rejected')) return ExitCode.Rejected;
  return standings.some((standing) => standing === 'behind' || standing === 'vetoed')
    ? ExitCode.Behind
    : ExitCode.Ok;
}
