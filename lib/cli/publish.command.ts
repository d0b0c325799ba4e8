import { Command, Option } from 'commander';
import { describeError } from '../config-reloader.errors.js';
import { validateConfigText } from '../pipeline/config.pipeline.js';
import type { ConfigKeyValue } from '../sources/etcd/config-key.reader.js';
import { cliMessages } from './cli.messages.js';
import { checkConfigFile, formatProblem } from './config-check.js';
import { ExitCode, type CliOutput } from './cli-output.js';
import { addSecretKeyFlag, printChanges, redactedChanges } from './diff.format.js';
import { formatDuration, parseDuration } from './duration.flag.js';
import { addEtcdFlags, type EtcdFlags } from './etcd.flags.js';
import { openEtcdConnection, type EtcdConnection } from './etcd.connection.js';
import { addMaxFileBytesFlag, type MaxFileBytesFlag } from './max-file-bytes.flag.js';
import { progressPrinter, reportRollout } from './rollout.report.js';
import {
  addValidationFlags,
  noteWhenSyntaxOnly,
  rulesFromFlags,
  type ValidationFlags,
} from './validation-flags.js';

type PublishFlags = EtcdFlags &
  ValidationFlags &
  MaxFileBytesFlag & {
    secretKey?: string[];
    wait?: boolean;
    timeout: number;
    dryRun?: boolean;
  };

export function publishCommand(output: CliOutput, setExitCode: (code: number) => void): Command {
  const command = new Command('publish')
    .description(
      'Validate a config as the app would, show the diff against the value on an etcd key, and ' +
        'write it only if the key did not change meanwhile (compare-and-swap). With --wait, ' +
        'wait until every live instance applied it, or name those that rejected it or lag behind.',
    )
    .argument('<file>', 'the config to publish')
    .option('-w, --wait', 'wait until every live instance applied the published revision')
    .addOption(
      new Option('--timeout <duration>', 'how long --wait waits (30s, 500ms, 2m or ms)')
        .argParser(parseDuration)
        .default(30_000, '30s'),
    )
    .option('-n, --dry-run', 'validate and show the diff, write nothing')
    .addHelpText(
      'after',
      `
Examples:
  $ config-reloader publish bot.json --etcd http://10.0.0.1:2379 --key /bots/trend --schema bot.schema.json
  $ config-reloader publish bot.json --etcd http://10.0.0.1:2379 --key /bots/trend --wait --timeout 1m`,
    );
  addEtcdFlags(addMaxFileBytesFlag(addValidationFlags(addSecretKeyFlag(command))));
  return command.action(async (file: string, flags: PublishFlags) => {
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
      const current = await etcd.readKey();
      output.out(
        current === undefined
          ? `"${flags.key}" does not exist yet: publishing creates it`
          : `"${flags.key}" is at revision ${current.modRevision}`,
      );
      const before = await currentConfig(output, flags.key, current);
      const changes = redactedChanges(before ?? {}, candidate.plain, flags.secretKey);
      printChanges(output, changes);
      let revision: string;
      if (current !== undefined && before !== undefined && changes.length === 0) {
        output.out(`"${flags.key}" already holds this config: nothing written`);
        revision = current.modRevision;
      } else if (flags.dryRun) {
        output.out(output.paint('gray', `dry run: "${flags.key}" not changed`));
        return;
      } else {
        const written = await writeWithCas(output, etcd, flags.key, candidate, current);
        if (written === undefined) {
          setExitCode(ExitCode.Conflict);
          return;
        }
        revision = written;
      }
      if (!flags.wait) return;
      output.out(
        `waiting up to ${formatDuration(flags.timeout)} for every live instance to apply revision ${revision}`,
      );
      const result = await etcd.waitForRollout(revision, flags.timeout, progressPrinter(output));
      setExitCode(reportRollout(output, result, flags.key));
    } finally {
      etcd.close();
    }
  });
}

/**
 * Writes the candidate if the key is still as read. The revision now published, or undefined
 * after a lost race (reported; nothing written).
 */
async function writeWithCas(
  output: CliOutput,
  etcd: EtcdConnection,
  key: string,
  candidate: { file: string; text: string },
  current: ConfigKeyValue | undefined,
): Promise<string | undefined> {
  const put = await etcd.casPut(candidate.text, current?.modRevision);
  if (put.written && put.alreadyThere) {
    output.out(cliMessages.alreadyWritten(key, put.revision));
    return put.revision;
  }
  if (put.written) {
    const published = output.paint('green', 'published');
    output.out(`${published} ${candidate.file} -> "${key}" at revision ${put.revision}`);
    return put.revision;
  }
  const now = put.current?.modRevision;
  output.err(output.paint('red', cliMessages.conflict(key, current?.modRevision, now)));
  return undefined;
}

/** The config the key holds, parsed as the app parses it; undefined when missing or unparseable. */
async function currentConfig(
  output: CliOutput,
  key: string,
  current: ConfigKeyValue | undefined,
): Promise<Record<string, unknown> | undefined> {
  if (current === undefined) return undefined;
  try {
    return (await validateConfigText(current.text, key, {})).plain;
  } catch (error) {
    output.err(output.paint('yellow', cliMessages.currentUnreadable(key, describeError(error))));
    return undefined;
  }
}
