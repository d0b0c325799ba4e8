import { Command } from 'commander';
import { ageOf } from '../shared/age.format.js';
import { ExitCode, type CliOutput } from '../shared/cli-output.js';
import { standingsExitCode } from '../rollout/rollout.report.js';
import { addEtcdFlags, type EtcdFlags } from '../etcd/etcd.flags.js';
import { openEtcdConnection } from '../etcd/etcd.connection.js';
import { printStatusTable, type StatusRow } from '../rollout/status.table.js';

export function statusCommand(output: CliOutput, setExitCode: (code: number) => void): Command {
  const command = new Command('status')
    .description(
      'Show the revision published on an etcd key and, for every live instance of the app, the ' +
        'revision it runs, its state (applied, staged, rejected with the error), how old its ' +
        'report is, its labels, the variant it runs (base, or canary:<id> +overlay), and its ' +
        'app version while the fleet runs more than one. Rows ' +
        'behind the published revision are marked with "!". Exits like publish --wait would ' +
        'now: 0 every live instance applied the published revision (or none is live), 5 one ' +
        'rejected it, 6 one is behind, staged or vetoed; 3 when nothing is published on the key.',
    )
    .option('--json', 'print one machine-readable document')
    .addHelpText(
      'after',
      `
Examples:
  $ config-reloader status --etcd http://10.0.0.1:2379,http://10.0.0.2:2379 --key /bots/trend
  $ config-reloader status --etcd http://127.0.0.1:2379 --key /bots/trend --json
  $ ETCD_PASSWORD_FILE=/run/secrets/etcd config-reloader status --etcd https://10.0.0.1:2379 \\
      --key /bots/trend --user deploy --cacert /etc/etcd/ca.pem`,
    );
  return addEtcdFlags(command).action(async (flags: EtcdFlags & { json?: boolean }) => {
    const etcd = await openEtcdConnection(flags);
    try {
      const fleet = await etcd.readFleet();
      const now = Date.now();
      const rows: StatusRow[] = fleet.instances.map((instance) => ({
        ...instance,
        standing:
          fleet.publishedRevision === undefined
            ? null
            : etcd.standing(instance, fleet.publishedRevision),
        ageMs: ageOf(instance.updatedAt, now),
      }));
      if (flags.json) {
        const document = {
          key: fleet.key,
          publishedRevision: fleet.publishedRevision ?? null,
          revision: fleet.revision,
          instances: rows,
        };
        output.out(JSON.stringify(document, null, 2));
      } else {
        printStatusTable(output, fleet, rows, flags.etcd);
      }
      setExitCode(
        fleet.publishedRevision === undefined
          ? ExitCode.Io
          : standingsExitCode(rows.map((row) => row.standing)),
      );
    } finally {
      etcd.close();
    }
  });
}
