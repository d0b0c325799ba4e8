import { Command } from 'commander';
import { createSecretKeyMatcher, DEFAULT_SECRET_KEYS } from '../../change/secret-redaction.js';
import { patchPaths } from '../../change/patch-paths.js';
import { printable } from '../../change/printable.js';
import { shownHosts } from '../../sources/etcd-hosts.js';
import { ExitCode, type CliOutput } from '../shared/cli-output.js';
import { problemsOf, type Problem } from '../check/config-check.js';
import { addSecretKeyFlag } from '../check/diff.format.js';
import { addEtcdFlags, type EtcdFlags } from '../etcd/etcd.flags.js';
import { openEtcdConnection, type EtcdConnection } from '../etcd/etcd.connection.js';
import { printOverlayTable, type OverlayRow } from './overlay.table.js';

type OverlayListFlags = EtcdFlags & { json?: boolean; secretKey?: string[] };

export function overlayListCommand(
  output: CliOutput,
  setExitCode: (code: number) => void,
): Command {
  const command = new Command('list')
    .description(
      'List the overlays of an etcd key in the order instances merge them: name, selector, the ' +
        'paths each patch writes (never a value) and its revision. A record instances cannot ' +
        'read is listed with its error, and the list exits 1.',
    )
    .option('--json', 'print { key, overlays: [{ name, match, paths, revision, error? }] }')
    .addHelpText(
      'after',
      `
Examples:
  $ config-reloader overlay list --etcd http://10.0.0.1:2379 --key /bots/trend
  $ config-reloader overlay list --etcd http://10.0.0.1:2379 --key /bots/trend --json`,
    );
  addEtcdFlags(addSecretKeyFlag(command));
  return command.action(async (flags: OverlayListFlags) => {
    const etcd = await openEtcdConnection(flags);
    try {
      const rows = await overlayRows(etcd, flags.secretKey);
      if (flags.json) output.out(JSON.stringify({ key: flags.key, overlays: rows }, null, 2));
      else {
        const prefix = etcd.overlayKey('');
        printOverlayTable(output, flags.key, shownHosts(flags.etcd), prefix, rows);
      }
      // A record nobody can read stops every instance: a script must notice.
      setExitCode(rows.some((row) => row.error) ? ExitCode.Invalid : ExitCode.Ok);
    } finally {
      etcd.close();
    }
  });
}

/** Each overlay read as instances read it; an unreadable one keeps its row, with the error. */
async function overlayRows(
  etcd: EtcdConnection,
  extraSecretKeys: readonly string[] = [],
): Promise<OverlayRow[]> {
  const isSecretKey = createSecretKeyMatcher([...DEFAULT_SECRET_KEYS, ...extraSecretKeys]);
  return (await etcd.readOverlays()).map(({ name, text, modRevision: revision }) => {
    const where = `etcd:${etcd.overlayKey(name)}`;
    try {
      const record = etcd.readOverlayRecord(text, where);
      return { name, match: record.match, paths: patchPaths(record.patch, isSecretKey), revision };
    } catch (error) {
      const problems = problemsOf(error, where);
      const message = problems.map((problem) => problemAt(problem)).join('; ');
      return {
        name,
        match: null,
        paths: [],
        revision,
        error: { code: problems[0]!.code, message },
      };
    }
  });
}

/** A problem of a record whose row names it already: where in it, and what. */
function problemAt(problem: Problem): string {
  const message = printable(problem.message);
  if (problem.line) return `line ${problem.line}, column ${problem.column}: ${message}`;
  if (problem.path !== undefined) return `${printable(problem.path) || '(root)'}: ${message}`;
  return message;
}
