import type { Etcd3 } from 'etcd3';
import { boundedCall } from '../bounded-call.js';
import { readFleetStatus, type FleetStatus } from './fleet-status.reader.js';
import type { EtcdConnectionOptions } from '../etcd-client.js';
import { KeyWatch } from '../key-watch.js';
import { WatchMembers } from '../watch-members.js';
import { instancesPrefix, parseInstanceStatus, type InstanceStatus } from './instance-status.js';
import { rolloutProgress, type RolloutProgress } from './rollout-progress.js';

export interface RolloutWaitOptions {
  /** How long to wait for every live instance to decide, in ms. */
  timeoutMs: number;
  /**
   * The bound of each read, in ms, and how often the records are read while the watch is not
   * connected: an unreachable etcd ends the wait with ConfigSourceUnavailableError.
   */
  deadlineMs: number;
  /**
   * What `client` was created with: with several members, the watch then moves off a member
   * that stops answering instead of landing on it again at random.
   */
  connection?: EtcdConnectionOptions;
  /** Called with the progress whenever a status record changes, appears or disappears. */
  onProgress?: (progress: RolloutProgress) => void;
}

export interface RolloutResult extends RolloutProgress {
  /** The wait ended at the timeout with instances still behind. */
  timedOut: boolean;
  /** The watch was not connected when the wait ended: the records are the last ones read. */
  disconnected: boolean;
}

/**
 * Waits until every live instance on `key` applied `revision` (or a later one), or, when some
 * rejected it, until every other one decided too, so that the result names them all; or until
 * the timeout. Reads the status records once, then follows them with a watch from the next
 * revision, so nothing in between is missed; instances that start or die meanwhile join or
 * leave. While the watch is not connected (a member that is down or frozen), the records are
 * read again every `deadlineMs`, and a read that gets no answer ends the wait.
 */
export async function waitForRollout(
  client: Etcd3,
  key: string,
  revision: string,
  options: RolloutWaitOptions,
): Promise<RolloutResult> {
  const prefix = instancesPrefix(key);
  const live = new Map<string, InstanceStatus>();
  let watch: KeyWatch | undefined;
  let connected = false;
  let reading = false;
  let done = false;
  const timers: NodeJS.Timeout[] = [];

  const result = new Promise<RolloutResult>((resolve, reject) => {
    const progress = () => rolloutProgress([...live.values()], revision);
    const end = () => {
      done = true;
      timers.forEach(clearTimeout);
    };
    const finish = (timedOut: boolean) => {
      if (done) return;
      end();
      resolve({ ...progress(), timedOut, disconnected: !connected });
    };
    const fail = (error: unknown) => {
      if (done) return;
      end();
      reject(error);
    };
    const changed = () => {
      const now = progress();
      options.onProgress?.(now);
      if (now.settled) finish(false);
    };
    const refresh = async (): Promise<FleetStatus> => {
      reading = true;
      try {
        const snapshot = await boundedCall(() => readFleetStatus(client, key), {
          key,
          what: 'reading the fleet status',
          deadlineMs: options.deadlineMs,
        });
        if (!done) {
          live.clear();
          for (const status of snapshot.instances) live.set(status.instanceId, status);
          changed();
        }
        return snapshot;
      } finally {
        reading = false;
      }
    };

    const follow = async (): Promise<void> => {
      const snapshot = await refresh();
      if (done) return;
      const afterRead = (read: FleetStatus) => (BigInt(read.revision) + 1n).toString();
      watch = new KeyWatch(
        {
          members: new WatchMembers(client, options.connection),
          ranges: [{ key: prefix, prefix: true }],
          fromRevision: afterRead(snapshot),
          connected: false,
          checkMs: options.deadlineMs,
          replyTimeoutMs: options.deadlineMs,
        },
        {
          put: (kv) => {
            const status = parseInstanceStatus(kv.value.toString());
            if (status) live.set(status.instanceId, status);
            changed();
          },
          deleted: (kv) => {
            live.delete(kv.key.toString().slice(prefix.length));
            changed();
          },
          // The revision to resume from was compacted away: read the records again.
          resync: async () => afterRead(await refresh()),
          connectivity: (now) => (connected = now),
          error: () => undefined, // the periodic read below reports an etcd that does not answer
        },
      );
    };

    timers.push(setTimeout(() => finish(true), options.timeoutMs));
    timers.push(
      setInterval(() => {
        if (!done && !connected && !reading) refresh().catch(fail);
      }, options.deadlineMs),
    );
    follow().catch(fail);
  });

  try {
    return await result;
  } finally {
    done = true;
    await watch?.close();
  }
}
