import { Range, type Etcd3, type Lease } from 'etcd3';
import { boundedCall } from '../bounded-call.js';
import type { EtcdConnectionOptions } from '../etcd-client.js';
import { KeyWatch } from '../key-watch.js';
import { WatchMembers } from '../watch-members.js';
import { readFleetStatus } from './fleet-status.reader.js';
import { instancesPrefix, parseInstanceStatus } from './instance-status.js';
import { TrialAnswers, type TrialAnswer } from './trial-answers.js';
import { trialRecordText, trialsPrefix, type TrialRecord } from './trial-record.js';

export interface TrialRunOptions {
  /** How long to wait for the answers, in ms, from the moment the trial exists. */
  timeoutMs: number;
  /** The bound of each etcd call, in ms; also how often the records are read while disconnected. */
  deadlineMs: number;
  /** The TTL of the trial's lease: how long it outlives a CLI that dies. Default 10 s. */
  leaseTtlSeconds?: number;
  /** What `client` was created with, for the watch's own clients. */
  connection?: EtcdConnectionOptions;
  /** Told the instances waited for once the trial exists, then each answer as it comes. */
  onStart?(waitingFor: number): void;
  onAnswer?(answer: TrialAnswer): void;
  /** Ends the wait early (Ctrl+C); the trial is removed all the same. */
  signal?: AbortSignal;
}

export type TrialRun =
  /** Another trial exists on the key (its name given): this one was not created. */
  | { started: false; inProgress: string }
  | {
      started: true;
      /** Every instance waited for, by id, with its answer (`unanswered` when none came). */
      answers: TrialAnswer[];
      /** The wait ended at the timeout, or by `signal`, with answers missing. */
      timedOut: boolean;
      interrupted: boolean;
    };

const DEFAULT_LEASE_TTL_SECONDS = 10;

/**
 * A dry run across a fleet: puts the trial at `K/trials/<id>` under a lease of its own (gone
 * within the TTL if this process dies), only when no other trial exists on the key (an
 * instance's record holds one answer). Waits until every instance live at that moment whose
 * record the selector matches has answered, or vanished, or the timeout. The trial is deleted
 * and its lease revoked whatever happens.
 */
export async function runTrial(
  client: Etcd3,
  key: string,
  trial: TrialRecord,
  options: TrialRunOptions,
): Promise<TrialRun> {
  const bounded = <T>(what: string, work: () => Promise<T>) =>
    boundedCall(work, { key, what, deadlineMs: options.deadlineMs });
  const lease: Lease = client.lease(options.leaseTtlSeconds ?? DEFAULT_LEASE_TTL_SECONDS);
  lease.on('lost', () => undefined); // the wait reports what did not answer
  const trialKey = `${trialsPrefix(key)}${trial.id}`;
  try {
    const leaseId = await bounded('granting the trial a lease', () => lease.grant());
    const others = Range.prefix(trialsPrefix(key));
    const created = await bounded('creating the trial', () =>
      client.kv.txn({
        // Every key under the prefix, and so none at all, was never created.
        compare: [
          {
            key: others.start,
            range_end: others.end,
            target: 'Create',
            result: 'Equal',
            create_revision: 0,
          },
        ],
        success: [
          {
            request_put: {
              key: Buffer.from(trialKey),
              value: Buffer.from(trialRecordText(trial)),
              lease: leaseId,
            },
          },
        ],
        failure: [{ request_range: { key: others.start, range_end: others.end, limit: 1 } }],
      }),
    );
    if (!created.succeeded) {
      const existing = created.responses[0]?.response_range?.kvs[0]?.key.toString('utf8') ?? '';
      return { started: false, inProgress: existing.slice(trialsPrefix(key).length) };
    }
    return await waitForAnswers(client, key, trial, options, bounded);
  } finally {
    await bounded('removing the trial', () => client.delete().key(trialKey).exec()).catch(
      () => undefined,
    );
    await bounded('revoking its lease', () => lease.revoke()).catch(() => undefined);
  }
}

async function waitForAnswers(
  client: Etcd3,
  key: string,
  trial: TrialRecord,
  options: TrialRunOptions,
  bounded: <T>(what: string, work: () => Promise<T>) => Promise<T>,
): Promise<TrialRun> {
  const prefix = instancesPrefix(key);
  const read = () => bounded('reading the fleet status', () => readFleetStatus(client, key));
  const first = await read();
  const answers = new TrialAnswers(trial.id, trial.match, first.instances);
  options.onStart?.(answers.size);
  for (const answer of answers.all()) if (answer.state !== 'unanswered') options.onAnswer?.(answer);
  let watch: KeyWatch | undefined;
  const timers: NodeJS.Timeout[] = [];
  try {
    return await new Promise<TrialRun>((resolve, reject) => {
      let connected = false;
      let reading = false;
      const finish = (timedOut: boolean, interrupted = false) =>
        resolve({ started: true, answers: answers.all(), timedOut, interrupted });
      const told = (answer: TrialAnswer | undefined) => {
        if (answer) options.onAnswer?.(answer);
        if (answers.done) finish(false);
      };
      /** Reads the records again; resolves with the revision read at. */
      const refresh = async (): Promise<string> => {
        reading = true;
        try {
          const now = await read();
          const live = new Set(now.instances.map((instance) => instance.instanceId));
          for (const instance of now.instances) told(answers.seen(instance));
          for (const { instance } of answers.all()) {
            if (!live.has(instance.instanceId)) told(answers.vanished(instance.instanceId));
          }
          return now.revision;
        } finally {
          reading = false;
        }
      };
      if (answers.done) return finish(false);
      if (options.signal?.aborted) return finish(true, true);
      watch = new KeyWatch(
        {
          members: new WatchMembers(client, options.connection),
          ranges: [{ key: prefix, prefix: true }],
          fromRevision: String(BigInt(first.revision) + 1n),
          connected: false,
          checkMs: options.deadlineMs,
          replyTimeoutMs: options.deadlineMs,
        },
        {
          put: (kv) => {
            const status = parseInstanceStatus(kv.value.toString('utf8'));
            if (status) told(answers.seen(status));
          },
          deleted: (kv) => told(answers.vanished(kv.key.toString('utf8').slice(prefix.length))),
          // Events were compacted away: what the records say now is all that counts.
          resync: async () => String(BigInt(await refresh()) + 1n),
          connectivity: (now) => (connected = now),
          error: () => undefined, // the periodic read below reports an etcd that does not answer
        },
      );
      timers.push(setTimeout(() => finish(true), options.timeoutMs));
      timers.push(
        setInterval(() => {
          if (!connected && !reading) refresh().catch(reject);
        }, options.deadlineMs),
      );
      options.signal?.addEventListener('abort', () => finish(true, true), { once: true });
    });
  } finally {
    timers.forEach(clearTimeout);
    await watch?.close();
  }
}
