import type { InstanceStatus } from '../sources/etcd/instance-status.js';
import type { RolloutProgress } from '../sources/etcd/rollout-progress.js';
import type { RolloutResult } from '../sources/etcd/rollout.watcher.js';
import { ExitCode, type CliOutput } from './cli-output.js';
import { ageOf, formatAge } from './age.format.js';

const who = (instance: InstanceStatus) => `${instance.instanceId} on ${instance.hostname}`;

/** Prints each instance once as it decides or stages, so a long rollout shows how it goes. */
export function progressPrinter(output: CliOutput): (progress: RolloutProgress) => void {
  const printed = new Set<string>();
  return (progress) => {
    // Staged on this revision: validated, held until the instance's hold ends.
    const staged = progress.behind.filter(
      (instance) => instance.state === 'staged' && instance.revision === progress.revision,
    );
    for (const [word, colour, instances] of [
      ['applied ', 'green', progress.applied],
      ['rejected', 'red', progress.rejected],
      ['staged  ', 'yellow', staged],
    ] as const) {
      for (const instance of instances) {
        const line = `  ${word} ${who(instance)} (revision ${instance.revision})`;
        if (printed.has(line)) continue;
        printed.add(line);
        output.out(output.paint(colour, line));
      }
    }
  };
}

/**
 * The end of `publish --wait`: either every live instance applied the revision (exit 0), or
 * each one that rejected it (with its error) and each one still behind (with its state and
 * revision) is named on stderr, and the exit code says which (rejected wins over behind).
 */
export function reportRollout(output: CliOutput, result: RolloutResult, key: string): number {
  const total = result.applied.length + result.rejected.length + result.behind.length;
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
    result.rejected.length > 0 ? `rejected by ${result.rejected.length}` : '',
    result.behind.length > 0 ? `not applied yet by ${result.behind.length}` : '',
  ].filter(Boolean);
  output.err(
    output.paint(
      'red',
      `not rolled out: revision ${result.revision} ${parts.join(', ')} of ${total} live instance(s)`,
    ),
  );
  for (const instance of result.rejected) {
    const error = instance.error
      ? `${instance.error.code}: ${instance.error.message}`
      : 'no error given';
    output.err(`  rejected ${who(instance)}: ${error} (keeps version ${instance.version})`);
  }
  for (const instance of result.behind) {
    const age = formatAge(ageOf(instance.updatedAt));
    output.err(
      `  behind   ${who(instance)}: ${instance.state} at revision ${instance.revision} ` +
        `(version ${instance.version}, reported ${age} ago)`,
    );
  }
  if (result.disconnected) {
    output.err('  etcd stopped answering during the wait: these are the last reports seen');
  }
  return result.rejected.length > 0 ? ExitCode.Rejected : ExitCode.Behind;
}
