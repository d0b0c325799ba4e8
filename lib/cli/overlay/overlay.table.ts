import { alignedColumns } from '../shared/text-columns.js';
import { printable } from '../../change/printable.js';
import type { Selector } from '../../sources/etcd/fleet/selector.js';
import type { CliOutput } from '../shared/cli-output.js';
import { shownToken } from '../shared/identity.format.js';
import { overlayMessages } from './overlay.messages.js';
import { formatSelector } from '../shared/selector.flag.js';

/** One overlay as `overlay list` shows it; `match` null and `error` set when it is unreadable. */
export interface OverlayRow {
  name: string;
  match: Selector | null;
  /** The paths its patch writes, never a value, nothing below a secret key. */
  paths: string[];
  /** The record's `mod_revision`. */
  revision: string;
  error?: { code: string; message: string };
}

const HEADER = ['NAME', 'MATCH', 'PATHS', 'REVISION', 'ERROR'];

/** Paths a row shows; `--json` has them all. */
const SHOWN_PATHS = 6;

/**
 * One row per overlay in the order instances merge them. Names, selectors, paths and errors come
 * from records anyone may have written: each is one token or one line, control characters
 * escaped. Unreadable records start with `!` (red on a terminal), and a last line says what they
 * do to the fleet.
 */
export function printOverlayTable(
  output: CliOutput,
  key: string,
  shownHosts: string,
  prefix: string,
  rows: readonly OverlayRow[],
): void {
  output.out(overlayMessages.listHeader(key, shownHosts));
  if (rows.length === 0) {
    output.out(output.paint('gray', overlayMessages.noOverlays(prefix)));
    return;
  }
  const cells = rows.map((row) => [
    shownToken(row.name),
    row.match === null ? '-' : formatSelector(row.match),
    shownPaths(row.paths),
    printable(row.revision),
    row.error ? `${printable(row.error.code)}: ${printable(row.error.message)}` : '',
  ]);
  const table = alignedColumns(HEADER, cells);
  output.out(`  ${table.header}`);
  rows.forEach((row, index) => {
    const text = table.rows[index]!;
    output.out(row.error ? output.paint('red', `! ${text}`) : `  ${text}`);
  });
  const unreadable = rows.filter((row) => row.error).length;
  if (unreadable > 0)
    output.out(output.paint('red', overlayMessages.unreadableRecords(unreadable)));
}

function shownPaths(paths: readonly string[]): string {
  if (paths.length === 0) return '-';
  const shown = paths.slice(0, SHOWN_PATHS).map((path) => shownToken(path));
  const more = paths.length - shown.length;
  return more > 0 ? `${shown.join(',')} +${more} more` : shown.join(',');
}
