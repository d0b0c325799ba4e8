import { Option, type Command } from 'commander';
import { describeError } from '../../config-reloader.errors.js';
import { validatedText } from '../check/pipeline.loader.js';
import type { CasGuard } from '../../sources/etcd/cas-put.js';
import type { ConfigKeyValue } from '../../sources/etcd/config-key.reader.js';
import { cliMessages } from '../shared/cli.messages.js';
import { ExitCode, type CliOutput } from '../shared/cli-output.js';
import { printChanges, redactedChanges } from '../check/diff.format.js';
import { formatDuration, parseDuration } from '../shared/duration.flag.js';
import type { EtcdConnection } from '../etcd/etcd.connection.js';
import { progressPrinter, reportRollout } from './rollout.report.js';

/** The flags of every command that writes the config key: publish and rollback. */
export interface PublishFlowFlags {
  wait?: boolean;
  timeout: number;
  dryRun?: boolean;
}

export function addPublishFlowFlags(command: Command, what: string): Command {
  return command
    .option('-w, --wait', `wait until every live instance applied the ${what} revision`)
    .addOption(
      new Option('--timeout <duration>', 'how long --wait waits (30s, 500ms, 2m or ms)')
        .argParser(parseDuration)
        .default(30_000, '30s'),
    )
    .option('-n, --dry-run', 'validate and show the diff, write nothing');
}

/** A checked document on its way to the config key: what publish and rollback share. */
export interface Publication {
  key: string;
  /** The document to write, as read, and as the app parses it (already validated). */
  text: string;
  plain: Record<string, unknown>;
  /** The key as read: the base of the diff and what the compare-and-swap expects. */
  current: ConfigKeyValue | undefined;
  secretKeys?: string[];
  /** Show the diff, write nothing. */
  dryRun?: boolean;
  /** Another key the write requires unchanged: no canary started meanwhile. */
  guard?: CasGuard;
  /** With --wait: how long to wait for the fleet to apply the revision. */
  waitMs?: number;
  /** What the command does, for a lost race: 'publishing', 'rolling back'. */
  doing: string;
  /** What to do after a lost race. */
  retry: string;
  /** The line that says the document is written, at `revision`. */
  written(revision: string): string;
}

/**
 * Shows the redacted diff against the key's value, writes the document with compare-and-swap
 * unless the key already holds it, and with `waitMs` waits for the fleet. The exit code: 0, 4
 * after a lost race (nothing written), 8 when the guard moved (a canary started meanwhile), or
 * the rollout's (5 rejected, 6 behind).
 */
export async function publishChecked(
  output: CliOutput,
  etcd: EtcdConnection,
  publication: Publication,
): Promise<number> {
  const { key, current } = publication;
  const before = await currentConfig(output, key, current);
  const changes = redactedChanges(before ?? {}, publication.plain, publication.secretKeys);
  printChanges(output, changes);
  let revision: string;
  if (current !== undefined && before !== undefined && changes.length === 0) {
    output.out(`"${key}" already holds this config: nothing written`);
    revision = current.modRevision;
  } else if (publication.dryRun) {
    output.out(output.paint('gray', `dry run: "${key}" not changed`));
    return ExitCode.Ok;
  } else {
    const written = await writeWithCas(output, etcd, publication);
    if (typeof written === 'number') return written;
    revision = written;
  }
  if (publication.waitMs === undefined) return ExitCode.Ok;
  output.out(
    `waiting up to ${formatDuration(publication.waitMs)} for every live instance to apply revision ${revision}`,
  );
  const result = await etcd.waitForRollout(revision, publication.waitMs, progressPrinter(output));
  return reportRollout(output, result, key);
}

/**
 * Writes the document if the key (and the guard) is still as read. The revision now published,
 * or the exit code after a lost race (reported; nothing written).
 */
async function writeWithCas(
  output: CliOutput,
  etcd: EtcdConnection,
  publication: Publication,
): Promise<string | number> {
  const { key, current } = publication;
  const put = await etcd.casPut(publication.text, current?.modRevision, publication.guard);
  if (put.written && put.alreadyThere) {
    output.out(cliMessages.alreadyWritten(key, put.revision));
    return put.revision;
  }
  if (put.written) {
    output.out(publication.written(put.revision));
    return put.revision;
  }
  if (put.guardMoved) {
    output.err(output.paint('red', cliMessages.canaryStartedMeanwhile(key)));
    return ExitCode.InProgress;
  }
  const now = put.current?.modRevision;
  const conflict = cliMessages.conflict(key, publication.doing, current?.modRevision, now);
  output.err(output.paint('red', `${conflict} ${publication.retry}`));
  return ExitCode.Conflict;
}

/** The config the key holds, parsed as the app parses it; undefined when missing or unparseable. */
export async function currentConfig(
  output: CliOutput,
  key: string,
  current: ConfigKeyValue | undefined,
): Promise<Record<string, unknown> | undefined> {
  if (current === undefined) return undefined;
  try {
    return (await validatedText(current.text, key, {})).plain;
  } catch (error) {
    output.err(output.paint('yellow', cliMessages.currentUnreadable(key, describeError(error))));
    return undefined;
  }
}
