import { InvalidArgumentError, Option, type Command } from 'commander';
import { parseDuration } from './duration.flag.js';

export interface EtcdFlags {
  etcd: string[];
  key: string;
  dialTimeout: number;
}

/** Default of `--dial-timeout`: the etcd source's `dialTimeoutMs` default. */
const DEFAULT_DIAL_TIMEOUT_MS = 3000;

/** `--etcd`, `--key` and `--dial-timeout`, shared by publish and status. */
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
