import { Command } from 'commander';
import type { ConfigKeyValue } from '../../sources/etcd/config-key.reader.js';
import { cliMessages } from '../shared/cli.messages.js';
import { checkConfigText, formatProblem } from '../check/config-check.js';
import { CliFailure, ExitCode, type CliOutput } from '../shared/cli-output.js';
import { addSecretKeyFlag } from '../check/diff.format.js';
import { addEtcdFlags, type EtcdFlags } from '../etcd/etcd.flags.js';
import { guardAgainstCanary } from '../canary/canary-guard.js';
import {
  openEtcdConnection,
  type EtcdConnection,
  type PastValue,
} from '../etcd/etcd.connection.js';
import { addMaxFileBytesFlag, type MaxFileBytesFlag } from '../shared/max-file-bytes.flag.js';
import {
  addPublishFlowFlags,
  publishChecked,
  type PublishFlowFlags,
} from '../rollout/publish-flow.js';
import { parseRevision } from '../shared/revision.flag.js';
import {
  addValidationFlags,
  noteWhenSyntaxOnly,
  rulesFromFlags,
  type ValidationFlags,
} from '../check/validation-flags.js';

type RollbackFlags = EtcdFlags &
  ValidationFlags &
  MaxFileBytesFlag &
  PublishFlowFlags & {
    to?: string;
    secretKey?: string[];
  };

export function rollbackCommand(output: CliOutput, setExitCode: (code: number) => void): Command {
  const command = new Command('rollback')
    .description(
      'Write back the config an etcd key held at an earlier revision (by default the value ' +
        'before its current one), read from etcd history, validated and diffed as publish does, ' +
        'and written only if the key did not change meanwhile (compare-and-swap). With --wait, ' +
        'wait until every live instance applied it.',
    )
    .option(
      '--to <revision>',
      'the etcd store revision whose value to write back (default: the one before the current value)',
      parseRevision,
    )
    .addHelpText(
      'after',
      `
Examples:
  $ config-reloader rollback --etcd http://10.0.0.1:2379 --key /bots/trend --schema bot.schema.json --wait
  $ config-reloader rollback --etcd http://10.0.0.1:2379 --key /bots/trend --to 1042 --dry-run

Exit codes: 0 written (or the key already holds that config), 1 that config is invalid,
            3 no earlier value, or etcd compacted that revision away (the oldest kept is
            named), 4 the key changed meanwhile: nothing written, 5 / 6 --wait: an instance
            rejected it / instances still behind, 7 etcd did not answer, 8 a canary
            is in progress (promote or abort it first).`,
    );
  addPublishFlowFlags(command, 'rolled-back');
  addEtcdFlags(addMaxFileBytesFlag(addValidationFlags(addSecretKeyFlag(command))));
  return command.action(async (flags: RollbackFlags) => {
    const rules = await rulesFromFlags(flags);
    noteWhenSyntaxOnly(output, flags);
    const etcd = await openEtcdConnection(flags);
    try {
      setExitCode(await rollBack(output, etcd, { ...flags, rules }));
    } finally {
      etcd.close();
    }
  });
}

export interface RollbackRequest {
  key: string;
  /** The store revision whose value to write back; default: the one before the current value. */
  to?: string;
  rules: Awaited<ReturnType<typeof rulesFromFlags>>;
  maxFileBytes: number;
  secretKey?: string[];
  dryRun?: boolean;
  wait?: boolean;
  timeout: number;
}

/**
 * Writes back the value the key held at an earlier revision, checked with `rules` and diffed
 * (redacted) as publish does, with compare-and-swap on the key. The exit code.
 */
export async function rollBack(
  output: CliOutput,
  etcd: EtcdConnection,
  request: RollbackRequest,
): Promise<number> {
  const { key } = request;
  // The key is the canary's base: written back under a running canary, it would move the base
  // from under it, as a plain publish would.
  const guard = request.dryRun ? undefined : await guardAgainstCanary(output, etcd, key);
  if (guard === false) return ExitCode.InProgress;
  const current = await etcd.readKey();
  if (current === undefined) throw new CliFailure(ExitCode.Io, cliMessages.keyMissing(key));
  const revision = request.to ?? (BigInt(current.modRevision) - 1n).toString();
  const target = pastValue(await etcd.readKeyAt(revision), key, revision, current);
  const described =
    revision === target.modRevision || request.to === undefined
      ? `its value at revision ${target.modRevision}`
      : `its value at revision ${revision} (written at ${target.modRevision})`;
  output.out(`"${key}" is at revision ${current.modRevision}; rolling back to ${described}`);
  const where = `etcd:${key}@${target.modRevision}`;
  const checked = await checkConfigText(target.text, where, request.rules, request.maxFileBytes);
  if (!checked.valid) {
    const refused = `refused the value of "${key}" at revision ${target.modRevision}`;
    output.err(`${output.paint('red', refused)}; "${key}" is unchanged`);
    for (const problem of checked.problems) output.err(`  ${formatProblem(problem)}`);
    return ExitCode.Invalid;
  }
  return publishChecked(output, etcd, {
    key,
    text: checked.text,
    plain: checked.plain,
    current,
    secretKeys: request.secretKey,
    dryRun: request.dryRun,
    guard,
    waitMs: request.wait ? request.timeout : undefined,
    doing: 'rolling back',
    retry: cliMessages.rollBackAgain(),
    written: (now) =>
      `${output.paint('green', 'rolled back')} "${key}" to ${described} -> revision ${now}`,
  });
}

/** The value to write back, or the CliFailure (exit 3) that says why there is none. */
function pastValue(
  past: PastValue,
  key: string,
  revision: string,
  current: ConfigKeyValue,
): ConfigKeyValue {
  switch (past.state) {
    case 'found':
      return past.value;
    case 'absent':
      throw new CliFailure(ExitCode.Io, cliMessages.noEarlierValue(key, revision));
    case 'compacted':
      throw new CliFailure(ExitCode.Io, cliMessages.compacted(key, revision, past.oldestKept));
    case 'future':
      throw new CliFailure(
        ExitCode.Io,
        cliMessages.futureRevision(key, revision, current.modRevision),
      );
  }
}
