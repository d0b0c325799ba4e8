import { InvalidArgumentError, Option, type Command } from 'commander';
import { parseDuration } from '../shared/duration.flag.js';

export interface EtcdFlags {
  etcd: string[];
  key: string;
  dialTimeout: number;
  user?: string;
  passwordFile?: string;
  cacert?: string;
  cert?: string;
  keyFile?: string;
}

/** Default of `--dial-timeout`: the etcd source's `dialTimeoutMs` default. */
const DEFAULT_DIAL_TIMEOUT_MS = 3000;

/**
 * `--etcd`, `--key`, `--dial-timeout` and how to sign in and trust etcd, shared by publish,
 * rollback and status. No `--password`: a command line shows in `ps` to every user.
 */
export function addEtcdFlags(command: Command): Command {
  return command
    .requiredOption(
      '--etcd <hosts>',
      'etcd client URLs, comma-separated (http://10.0.0.1:2379,http://10.0.0.2:2379)',
      parseHosts,
    )
    .requiredOption(
      '--key <key>',
      'the etcd key that holds the config, as in etcdSource({ key })',
      parseKey,
    )
    .addOption(
      new Option(
        '--dial-timeout <duration>',
        'give up on etcd when a step gets no answer for this long (30s, 500ms, 2m or ms)',
      )
        .argParser(parseDuration)
        .default(DEFAULT_DIAL_TIMEOUT_MS, '3s'),
    )
    .addOption(
      new Option(
        '--user <name>',
        'the etcd user to sign in as (the password: --password-file, ETCD_PASSWORD, or ' +
          'http://user:password@host in --etcd)',
      ).env('ETCD_USER'),
    )
    .addOption(
      new Option(
        '--password-file <file>',
        "a file that holds the etcd user's password (a trailing newline is not part of it)",
      ).env('ETCD_PASSWORD_FILE'),
    )
    .addOption(
      new Option('--cacert <file>', 'the CA certificate (PEM) to trust etcd by, for https').env(
        'ETCD_CACERT',
      ),
    )
    .addOption(
      new Option('--cert <file>', 'a client certificate (PEM) for etcd, with --key-file').env(
        'ETCD_CERT',
      ),
    )
    .addOption(
      new Option('--key-file <file>', 'the private key (PEM) of --cert').env('ETCD_KEY_FILE'),
    )
    .addHelpText(
      'after',
      `
etcd credentials: --user (ETCD_USER) with --password-file (ETCD_PASSWORD_FILE) or
  ETCD_PASSWORD, or http://user:password@host in --etcd; never shown in any output.
  Wrong credentials, or none while etcd has auth on, exit 3.`,
    );
}

function parseHosts(value: string): string[] {
  const hosts = value
    .split(',')
    .map((host) => host.trim())
    .filter((host) => host.length > 0);
  if (hosts.length === 0) {
    throw new InvalidArgumentError('at least one etcd client URL, like http://127.0.0.1:2379.');
  }
  return hosts;
}

function parseKey(value: string): string {
  if (value.length === 0) throw new InvalidArgumentError('a non-empty etcd key was expected.');
  return value;
}
