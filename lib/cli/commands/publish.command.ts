import { Command } from 'commander';
import { cliMessages } from '../shared/cli.messages.js';
import { checkConfigFile, formatProblem } from '../check/config-check.js';
import { ExitCode, type CliOutput } from '../shared/cli-output.js';
import { addSecretKeyFlag } from '../check/diff.format.js';
import { addEtcdFlags, type EtcdFlags } from '../etcd/etcd.flags.js';
import { openEtcdConnection } from '../etcd/etcd.connection.js';
import { addMaxFileBytesFlag, type MaxFileBytesFlag } from '../shared/max-file-bytes.flag.js';
import {
  addPublishFlowFlags,
  publishChecked,
  type PublishFlowFlags,
} from '../rollout/publish-flow.js';
import { tryOnFleet } from '../trial/trial.flow.js';
import { addCanaryFlags, canaryFlagProblem, type CanaryFlags } from '../canary/canary.flags.js';
import { publishCanary } from '../canary/canary-publish.js';
import { guardAgainstCanary } from '../canary/canary-guard.js';
import {
  addValidationFlags,
  noteWhenSyntaxOnly,
  rulesFromFlags,
  type ValidationFlags,
} from '../check/validation-flags.js';

type PublishFlags = EtcdFlags &
  ValidationFlags &
  MaxFileBytesFlag &
  PublishFlowFlags &
  CanaryFlags & {
    secretKey?: string[];
  };

export function publishCommand(output: CliOutput, setExitCode: (code: number) => void): Command {
  const command = new Command('publish')
    .description(
      'Validate a config as the app would, show the diff against the value on an etcd key, and ' +
        'write it only if the key did not change meanwhile (compare-and-swap). With --wait, ' +
        'wait until every live instance applied it, or name those that rejected it or lag behind. ' +
        'With --dry-run --wait, write nothing: every live instance tries it as a reload would ' +
        '(a trial), applies nothing, and says whether it accepts it. With --canary, run it on ' +
        'the instances the selector matches first (a canary); refused while a canary is in ' +
        'progress, as a plain publish is.',
    )
    .argument('<file>', 'the config to publish')
    .addHelpText(
      'after',
      `
Examples:
  $ config-reloader publish bot.json --etcd http://10.0.0.1:2379 --key /bots/trend --schema bot.schema.json
  $ config-reloader publish bot.json --etcd http://10.0.0.1:2379 --key /bots/trend --wait --timeout 1m
  $ config-reloader publish bot.json --etcd http://10.0.0.1:2379 --key /bots/trend --dry-run --wait --canary symbol=BTC
  $ config-reloader publish bot.json --etcd http://10.0.0.1:2379 --key /bots/trend --canary 10% \\
      --wait --bake 5m --promote --timeout 2m`,
    );
  addPublishFlowFlags(command, 'published');
  addCanaryFlags(command);
  addEtcdFlags(addMaxFileBytesFlag(addValidationFlags(addSecretKeyFlag(command))));
  return command.action(async (file: string, flags: PublishFlags) => {
    const trial = flags.dryRun === true && flags.wait === true;
    const usage = canaryFlagProblem(flags);
    if (usage) command.error(usage, { exitCode: ExitCode.Usage });
    const rules = await rulesFromFlags(flags);
    noteWhenSyntaxOnly(output, flags);
    const candidate = await checkConfigFile(file, rules, flags.maxFileBytes);
    if (!candidate.valid) {
      output.err(
        `${output.paint('red', 'refused')} ${candidate.file}; "${flags.key}" is unchanged`,
      );
      for (const problem of candidate.problems) output.err(`  ${formatProblem(problem)}`);
      setExitCode(candidate.unreadable ? ExitCode.Io : ExitCode.Invalid);
      return;
    }
    const etcd = await openEtcdConnection(flags);
    try {
      if (flags.canary && !trial) {
        const { key, canary: match, secretKey: secretKeys, dryRun, bake: bakeMs = 0 } = flags;
        const waitMs = flags.wait ? flags.timeout : undefined;
        const { text, plain } = candidate;
        const canary = { key, text, plain, match, secretKeys, dryRun, waitMs, bakeMs };
        setExitCode(await publishCanary(output, etcd, { ...canary, promote: flags.promote }));
        return;
      }
      // A plain publish waits for a canary in progress to be promoted or aborted.
      const guard = flags.dryRun ? undefined : await guardAgainstCanary(output, etcd, flags.key);
      if (guard === false) {
        setExitCode(ExitCode.InProgress);
        return;
      }
      const current = await etcd.readKey();
      output.out(
        current === undefined
          ? `"${flags.key}" does not exist yet: publishing creates it`
          : `"${flags.key}" is at revision ${current.modRevision}`,
      );
      let exitCode = await publishChecked(output, etcd, {
        key: flags.key,
        text: candidate.text,
        plain: candidate.plain,
        current,
        secretKeys: flags.secretKey,
        dryRun: flags.dryRun,
        guard,
        waitMs: flags.wait && !trial ? flags.timeout : undefined,
        doing: 'publishing',
        retry: cliMessages.publishAgain(),
        written: (revision) =>
          `${output.paint('green', 'published')} ${candidate.file} -> "${flags.key}" at revision ${revision}`,
      });
      if (trial && exitCode === ExitCode.Ok) {
        const { key, canary: match, timeout: timeoutMs } = flags;
        exitCode = await tryOnFleet(output, etcd, { key, text: candidate.text, match, timeoutMs });
      }
      setExitCode(exitCode);
    } finally {
      etcd.close();
    }
  });
}
