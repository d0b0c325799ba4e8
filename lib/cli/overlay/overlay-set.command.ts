import { Command } from 'commander';
import { escapeControlCharacters } from '../../change/printable.js';
import type { ConfigKeyValue } from '../../sources/etcd/config-key.reader.js';
import type { OverlayRecord } from '../../sources/etcd/fleet/overlay-record.js';
import type { StoredOverlay } from '../../sources/etcd/fleet/overlay-record.store.js';
import type { Selector } from '../../sources/etcd/fleet/selector.js';
import type { ConfigValidationRules } from '../../pipeline/config.pipeline.js';
import type { DocumentLayer } from '../../pipeline/document/layered-document.js';
import { cliMessages } from '../shared/cli.messages.js';
import {
  checkLayeredText,
  formatProblem,
  problemsOf,
  readPatchFile,
  type Problem,
} from '../check/config-check.js';
import { ExitCode, type CliOutput } from '../shared/cli-output.js';
import { addSecretKeyFlag, printChanges } from '../check/diff.format.js';
import { addEtcdFlags, type EtcdFlags } from '../etcd/etcd.flags.js';
import { openEtcdConnection, type EtcdConnection } from '../etcd/etcd.connection.js';
import { addMaxFileBytesFlag, type MaxFileBytesFlag } from '../shared/max-file-bytes.flag.js';
import { parseOverlayName } from './overlay-name.argument.js';
import { overlayRecordChanges } from './overlay-record.diff.js';
import { overlayMessages } from './overlay.messages.js';
import { formatSelector, parseSelectorFlag } from '../shared/selector.flag.js';
import {
  addValidationFlags,
  noteWhenSyntaxOnly,
  rulesFromFlags,
  type ValidationFlags,
} from '../check/validation-flags.js';

type OverlaySetFlags = EtcdFlags &
  ValidationFlags &
  MaxFileBytesFlag & {
    match: Selector;
    secretKey?: string[];
    dryRun?: boolean;
  };

/** One overlay on its way to `<key>/overlays/<name>`, its patch file already read. */
interface OverlayWrite {
  name: string;
  record: OverlayRecord;
  rules: ConfigValidationRules<object>;
  flags: OverlaySetFlags;
}

export function overlaySetCommand(output: CliOutput, setExitCode: (code: number) => void): Command {
  const command = new Command('set')
    .description(
      'Write the overlay <name> of an etcd key: a JSON merge patch (RFC 7386) for the instances ' +
        "the selector matches. Refused when the key's config with the patch merged over it " +
        'fails --schema / --dto; shows the diff against the overlay in etcd and writes only if ' +
        'it did not change meanwhile (compare-and-swap).',
    )
    .argument(
      '<name>',
      'the overlay, one segment of <key>/overlays/<name>; sets the merge order',
      parseOverlayName,
    )
    .argument('<patch.json>', 'the merge patch: a JSON object')
    .requiredOption(
      '--match <selector>',
      'which instances it is for: 10%, 50%..100%, seed=<text>, instance=<id>, <label>=<value>, ' +
        'comma-separated (100% for all)',
      parseSelectorFlag,
    )
    .option('-n, --dry-run', 'validate and show the diff, write nothing')
    .addHelpText(
      'after',
      `
Examples:
  $ config-reloader overlay set btc --match symbol=BTC btc.json --etcd http://10.0.0.1:2379 \\
      --key /bots/trend --schema bot.schema.json
  $ config-reloader overlay set exp-7-a --match 0%..50%,seed=exp-7 tight.json \\
      --etcd http://10.0.0.1:2379 --key /bots/trend --schema bot.schema.json
  $ config-reloader overlay set exp-7-b --match 50%..100%,seed=exp-7 loose.json \\
      --etcd http://10.0.0.1:2379 --key /bots/trend --schema bot.schema.json

Exit codes: 0 written (or already there), 1 the config with the patch merged over it is
            invalid, 2 a bad name or selector, 3 the patch file cannot be read or is no
            JSON object, 4 the overlay changed meanwhile: nothing written, 7 etcd did
            not answer.`,
    );
  addEtcdFlags(addMaxFileBytesFlag(addValidationFlags(addSecretKeyFlag(command))));
  return command.action(async (name: string, file: string, flags: OverlaySetFlags) => {
    const rules = await rulesFromFlags(flags);
    noteWhenSyntaxOnly(output, flags);
    const patchFile = await readPatchFile(file, flags.maxFileBytes);
    if (!patchFile.read) {
      refuse(output, overlayMessages.patchRefused(patchFile.file, name), patchFile.problems);
      // Like diff: a file that yields no patch is not "invalid", it is no input at all.
      setExitCode(ExitCode.Io);
      return;
    }
    const record = { match: flags.match, patch: patchFile.patch };
    const etcd = await openEtcdConnection(flags);
    try {
      setExitCode(await setOverlay(output, etcd, { name, record, rules, flags }));
    } finally {
      etcd.close();
    }
  });
}

async function setOverlay(
  output: CliOutput,
  etcd: EtcdConnection,
  { name, record, rules, flags }: OverlayWrite,
): Promise<number> {
  const recordKey = etcd.overlayKey(name);
  const where = `etcd:${recordKey}`;
  const text = `${JSON.stringify(record, null, 2)}\n`;
  try {
    // The record goes through the reader every instance uses: one it would refuse is never written.
    etcd.readOverlayRecord(text, where);
  } catch (error) {
    refuse(output, overlayMessages.recordRefused(recordKey), problemsOf(error, where));
    return ExitCode.Invalid;
  }
  const { base, overlay } = await etcd.readBaseAndOverlay(name);
  output.out(
    overlay === undefined
      ? overlayMessages.recordMissing(recordKey)
      : overlayMessages.recordAt(recordKey, overlay.modRevision),
  );
  if (!(await patchedBaseIsValid(output, flags.key, base, { name, patch: record.patch }, rules))) {
    return ExitCode.Invalid;
  }
  const before = currentRecord(output, etcd, overlay, where);
  const changes = overlayRecordChanges(before, record, flags.secretKey);
  if (before === undefined) {
    output.out(overlayMessages.newOverlay(name, formatSelector(record.match)));
  }
  printChanges(output, changes);
  if (overlay !== undefined && before !== undefined && changes.length === 0) {
    output.out(overlayMessages.unchanged(recordKey, overlay.modRevision));
    return ExitCode.Ok;
  }
  if (flags.dryRun) {
    output.out(output.paint('gray', overlayMessages.dryRun(recordKey)));
    return ExitCode.Ok;
  }
  return writeRecord(output, etcd, name, text, overlay);
}

/**
 * Whether the key's config with the patch merged over it passes the rules, as an instance the
 * overlay matches would check it; says why not. Without a config on the key there is nothing to
 * check it over: a note says so.
 */
async function patchedBaseIsValid(
  output: CliOutput,
  key: string,
  base: ConfigKeyValue | undefined,
  layer: DocumentLayer,
  rules: ConfigValidationRules<object>,
): Promise<boolean> {
  if (base === undefined) {
    output.err(overlayMessages.baseMissing(key));
    return true;
  }
  const where = `etcd:${key} + ${layer.name}`;
  const checked = await checkLayeredText(base.text, `etcd:${key}`, [layer], where, rules);
  if (checked.valid) return true;
  refuse(output, overlayMessages.patchedBaseRefused(layer.name, key), checked.problems);
  return false;
}

/** Writes the record if the overlay is still as read (compare-and-swap): 0, or 4 after a lost race. */
async function writeRecord(
  output: CliOutput,
  etcd: EtcdConnection,
  name: string,
  text: string,
  read: StoredOverlay | undefined,
): Promise<number> {
  const recordKey = etcd.overlayKey(name);
  const put = await etcd.casPutOverlay(name, text, read?.modRevision);
  if (put.written && put.alreadyThere) {
    output.out(overlayMessages.alreadyWritten(recordKey, put.revision));
    return ExitCode.Ok;
  }
  if (put.written) {
    const written = overlayMessages.written(name, recordKey, put.revision);
    output.out(`${output.paint('green', 'set')} ${written}`);
    return ExitCode.Ok;
  }
  const now = put.current?.modRevision;
  const conflict = cliMessages.conflict(recordKey, 'setting the overlay', read?.modRevision, now);
  output.err(output.paint('red', `${conflict} ${overlayMessages.setAgain()}`));
  return ExitCode.Conflict;
}

/** The overlay as etcd holds it now, read as instances read it; undefined when new or unreadable. */
function currentRecord(
  output: CliOutput,
  etcd: EtcdConnection,
  overlay: StoredOverlay | undefined,
  where: string,
): OverlayRecord | undefined {
  if (overlay === undefined) return undefined;
  try {
    return etcd.readOverlayRecord(overlay.text, where);
  } catch (error) {
    const reason = problemsOf(error, where).map(formatProblem).join('; ');
    const recordKey = etcd.overlayKey(overlay.name);
    output.err(output.paint('yellow', overlayMessages.currentUnreadable(recordKey, reason)));
    return undefined;
  }
}

function refuse(output: CliOutput, what: string, problems: readonly Problem[]): void {
  output.err(`${output.paint('red', 'refused')} ${what}`);
  // Paths name keys of the config in etcd: anyone's text, shown escaped.
  for (const problem of problems) {
    output.err(`  ${escapeControlCharacters(formatProblem(problem))}`);
  }
}
