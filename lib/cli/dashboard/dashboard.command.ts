import { randomBytes } from 'node:crypto';
import { Command, InvalidArgumentError } from 'commander';
import type { CliOutput } from '../shared/cli-output.js';
import { ExitCode } from '../shared/cli-output.js';
import { addSecretKeyFlag } from '../check/diff.format.js';
import {
  addValidationFlags,
  rulesFromFlags,
  type ValidationFlags,
} from '../check/validation-flags.js';
import { addMaxFileBytesFlag, type MaxFileBytesFlag } from '../shared/max-file-bytes.flag.js';
import { addEtcdFlags, type EtcdFlags } from '../etcd/etcd.flags.js';
import { openEtcdConnection } from '../etcd/etcd.connection.js';
import { runAction } from './dashboard.actions.js';
import { urlHost } from './dashboard.security.js';
import { createDashboardServer } from './dashboard.server.js';
import { FleetFeed } from './fleet.feed.js';

type DashboardFlags = EtcdFlags &
  ValidationFlags &
  MaxFileBytesFlag & {
    port: number;
    host: string;
    allowActions?: boolean;
    secretKey?: string[];
  };

export function dashboardCommand(output: CliOutput, setExitCode: (code: number) => void): Command {
  const command = new Command('dashboard')
    .description(
      'Serve a live page of the fleet on an etcd key: every live instance (revision, state, ' +
        'error, variant), counts per revision, who differs and why, the canary and trials; ' +
        'config_reloader_fleet_instances{state} on /metrics. Prints the address, then the ' +
        'token the page asks for before an action; runs until Ctrl+C.',
    )
    .option('--port <port>', 'the port to listen on (0: a free one)', parsePort, 8080)
    .option(
      '--host <address>',
      'the address to listen on; anything but loopback lets others on the network see the fleet',
      '127.0.0.1',
    )
    .option(
      '--allow-actions',
      'offer promote, abort and roll back on the page (each needs the printed token)',
    )
    .addHelpText(
      'after',
      `
Example:
  $ config-reloader dashboard --etcd http://10.0.0.1:2379 --key /bots/trend --allow-actions
  dashboard: http://127.0.0.1:8080/
  token: 3f9c...`,
    );
  addEtcdFlags(addMaxFileBytesFlag(addValidationFlags(addSecretKeyFlag(command))));
  return command.action(async (flags: DashboardFlags) => {
    const rules = await rulesFromFlags(flags);
    const etcd = await openEtcdConnection(flags);
    const secretKeys = flags.secretKey ?? [];
    const feed = new FleetFeed(etcd, { secretKeys, actions: !!flags.allowActions });
    try {
      await feed.start();
      const token = randomBytes(16).toString('hex');
      const server = createDashboardServer({
        feed,
        token,
        allowActions: !!flags.allowActions,
        host: flags.host,
        act: (action, body) =>
          runAction(
            { etcd, key: flags.key, rules, maxFileBytes: flags.maxFileBytes, secretKeys },
            action,
            body,
          ),
      });
      const port = await server.listen(flags.port);
      output.out(`dashboard: http://${urlHost(flags.host)}:${port}/`);
      output.out(`token: ${token}`);
      await untilStopped();
      await server.close();
      setExitCode(ExitCode.Ok);
    } finally {
      await feed.close();
      etcd.close();
    }
  });
}

/** Ctrl+C or SIGTERM (a service manager): the caller closes everything it opened. */
function untilStopped(): Promise<void> {
  return new Promise((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}

function parsePort(value: string): number {
  const port = /^\d+$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isInteger(port) || port > 65535) {
    throw new InvalidArgumentError('a port number from 0 to 65535 was expected.');
  }
  return port;
}
