import { alignedColumns } from '../shared/text-columns.js';
import { appVersionGroups } from '../shared/app-versions.js';
import type { FleetStatus } from '../../sources/etcd/fleet/fleet-status.reader.js';
import type { InstanceStatus } from '../../sources/etcd/fleet/instance-status.js';
import type { RolloutStanding } from '../../sources/etcd/fleet/rollout-progress.js';
import { formatAge } from '../shared/age.format.js';
import type { CliOutput } from '../shared/cli-output.js';
import { formatLabels, formatVariant } from '../shared/identity.format.js';
import { printable } from '../../change/printable.js';
import { shownHosts } from '../../sources/etcd-hosts.js';

/** One instance as status shows it: its record, where it stands, how old the record is. */
export interface StatusRow extends InstanceStatus {
  /** On the published revision; null when nothing is published. */
  standing: RolloutStanding | null;
  /** Milliseconds since `updatedAt` (by this machine's clock); null when it is not a date. */
  ageMs: number | null;
}

const HEADER = 'INSTANCE HOST NAME VERSION REVISION STATE AGE LABELS VARIANT ERROR'.split(' ');
/** Where the app version goes when the fleet runs more than one: after the module's name. */
const APP_COLUMN = HEADER.indexOf('NAME') + 1;

/**
 * The published revision on top, then one row per live instance: its labels (`-` for none) and
 * the variant of the document its state is about (`base`, or `canary:<id> +overlay ...`). Rows
 * behind the published revision start with `!` (and are yellow on a terminal), rejected ones are
 * red. When the instances run more than one app version (`etcdSource({ appVersion })`), as during
 * a deploy, an APP column and a line that counts each show it.
 */
export function printStatusTable(
  output: CliOutput,
  fleet: FleetStatus,
  rows: readonly StatusRow[],
  hosts: readonly string[],
): void {
  const published =
    fleet.publishedRevision === undefined
      ? `nothing published on "${fleet.key}" yet`
      : `"${fleet.key}" published at revision ${output.paint('bold', fleet.publishedRevision)}`;
  output.out(`${published} (etcd ${shownHosts(hosts)})`);
  if (rows.length === 0) {
    output.out(output.paint('gray', `no live instance reports under "${fleet.key}/instances/"`));
    return;
  }
  // Records are written by every instance of the fleet: each field is shown as untrusted text.
  const cells = rows.map((row) => [
    printable(row.instanceId),
    printable(row.hostname ?? ''),
    printable(row.name ?? ''),
    printable(row.version),
    printable(row.revision),
    printable(row.state),
    formatAge(row.ageMs),
    formatLabels(row.labels) || '-',
    formatVariant(row.variant),
    row.error ? `${printable(row.error.code)}: ${printable(row.error.message)}` : '',
  ]);
  const versions = appVersionGroups(rows);
  const header = [...HEADER];
  if (versions.length > 1) {
    header.splice(APP_COLUMN, 0, 'APP');
    cells.forEach((row, i) => row.splice(APP_COLUMN, 0, printable(rows[i]!.appVersion ?? '-')));
  }
  const table = alignedColumns(header, cells);
  output.out(`  ${table.header}`);
  rows.forEach((row, index) => {
    const text = table.rows[index]!;
    if (row.standing === 'behind' || row.standing === 'vetoed') {
      output.out(output.paint('yellow', `! ${text}`));
    } else if (row.state === 'rejected') output.out(output.paint('red', `  ${text}`));
    else output.out(`  ${text}`);
  });
  if (versions.length > 1) {
    const each = versions.map(({ appVersion, count }) => {
      return `${appVersion === null ? 'not said' : printable(appVersion)} on ${count}`;
    });
    output.out(`${versions.length} app versions run side by side: ${each.join(', ')}`);
  }
  const behind = rows.filter((row) => row.standing === 'behind').length;
  if (behind > 0) {
    output.out(
      output.paint(
        'yellow',
        `! ${behind} instance(s) behind revision ${fleet.publishedRevision} (an older revision, or staged by a hold)`,
      ),
    );
  }
  const vetoed = rows.filter((row) => row.standing === 'vetoed').length;
  if (vetoed > 0) {
    output.out(
      output.paint(
        'yellow',
        `! ${vetoed} instance(s) vetoed revision ${fleet.publishedRevision} for now (beforeApply; judged again, applied once it allows)`,
      ),
    );
  }
}
