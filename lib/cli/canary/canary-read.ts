import { describeError } from '../../config-reloader.errors.js';
import type { ConfigKeyValue } from '../../sources/etcd/config-key.reader.js';
import type { CanaryRecord } from '../../sources/etcd/fleet/canary-record.js';
import type { StoredCanary } from '../../sources/etcd/fleet/canary.store.js';
import { ExitCode, type CliOutput } from '../shared/cli-output.js';
import type { EtcdConnection } from '../etcd/etcd.connection.js';
import { canaryMessages as say } from './canary.messages.js';

export type ReadCanary = StoredCanary & { record: CanaryRecord };

export type CanaryFound =
  | { found: true; base: ConfigKeyValue | undefined; canary: ReadCanary }
  | { found: false; exitCode: number; canary?: StoredCanary };

/**
 * The canary a `canary` command works on, read with the base in one read. None, or one a member
 * or an earlier command aborted: exit 8 (an aborted canary counts as absent). One instances
 * cannot read: exit 3, handed back (`canary abort` deletes it all the same).
 */
export async function findCanary(
  output: CliOutput,
  etcd: EtcdConnection,
  key: string,
  { allowAborted = false } = {},
): Promise<CanaryFound> {
  const { base, canary } = await etcd.canary.read();
  const refuse = (exitCode: number, message: string): CanaryFound => {
    output.err(output.paint('red', message));
    return { found: false, exitCode, canary };
  };
  if (canary === undefined) return refuse(ExitCode.InProgress, say.none(key));
  const { record } = canary;
  if (record === undefined) {
    return refuse(ExitCode.Io, say.unreadable(key, describeError(canary.problem)));
  }
  if (record.aborted && !allowAborted) {
    return refuse(ExitCode.InProgress, say.noneAborted(key, record.id, record.aborted));
  }
  return { found: true, base, canary: { ...canary, record } };
}
