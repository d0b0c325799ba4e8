import { InvalidArgumentError } from 'commander';

/**
 * An etcd store revision as typed on the command line (`--to 1042`), kept as the decimal string
 * etcd3 uses: revisions are 64-bit and may pass Number's safe range.
 */
export function parseRevision(value: string): string {
  if (!/^\d+$/.test(value) || BigInt(value) < 1n) {
    throw new InvalidArgumentError('an etcd revision, a whole number from 1, was expected.');
  }
  return BigInt(value).toString();
}
