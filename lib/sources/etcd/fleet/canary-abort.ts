import type { Etcd3 } from 'etcd3';
import type {
  CanaryAbortNotice,
  SourceListener,
  SourceOutcome,
} from '../../../interfaces/config-source.interface.js';
import { withDeadline } from '../etcd-client.js';
import { failureReason, isRefusal } from '../etcd-failure.js';
import { etcdMessages } from '../etcd.messages.js';
import { canaryRecordText } from '../../fleet/canary-record.js';
import type { FleetCanary, SeenCanary } from './fleet-canary.js';

export interface CanaryAbortOptions {
  client: Etcd3;
  instanceId: string;
  /** The canary as this instance last saw it. */
  canary: FleetCanary;
  deadlineMs: number;
  logger: { warn(message: string): void; debug(message: string): void };
}

/**
 * A member that rejects a canary's candidate (a veto counts) marks the canary aborted, when the
 * canary asks for it (`abortOnReject`): so that a bad canary is undone within a second even when
 * nobody watches, and the reason stays in the record the operator looks at. The rewrite compares
 * the record's mod_revision with the one this instance saw: a canary changed meanwhile (set,
 * promoted, aborted by another member) is left as it is. Tried once per canary and instance; a
 * refusal (a role that may not write the record) is said once and never retried.
 */
export class CanaryAbort {
  /** The canaries (by create_revision) this instance tried to abort. */
  private readonly tried = new Set<string>();
  private listener: SourceListener | undefined;
  /** An abort made before anyone listened (while the instance started): told on `listen()`. */
  private untold: CanaryAbortNotice | undefined;

  constructor(private readonly options: CanaryAbortOptions) {}

  /** Where an abort is reported (the audit log and the log of the reload path). */
  listen(listener: SourceListener): void {
    this.listener = listener;
    if (this.untold) this.tell(this.untold);
  }

  /**
   * What became of a change; a rejection of the canary's candidate aborts the canary. Resolves
   * true once the record says this instance aborted it.
   */
  consider(outcome: SourceOutcome): Promise<boolean> {
    const id = outcome.variant?.canary;
    const seen = this.options.canary.seen;
    const abortable =
      id !== undefined &&
      (outcome.state === 'rejected' || outcome.state === 'vetoed') &&
      seen?.record.id === id &&
      seen.record.abortOnReject &&
      !seen.record.aborted &&
      // A record rewritten after the document was made: its own outcome decides.
      BigInt(seen.modRevision) <= BigInt(outcome.revision) &&
      !this.tried.has(seen.createRevision);
    if (!abortable) return Promise.resolve(false);
    this.tried.add(seen.createRevision);
    const error = outcome.error ?? { code: 'CONFIG_REJECTED', message: 'rejected' };
    return this.abort(seen, error, outcome);
  }

  private async abort(
    seen: SeenCanary,
    error: { code: string; message: string },
    outcome: SourceOutcome,
  ): Promise<boolean> {
    const { client, instanceId, canary, deadlineMs, logger } = this.options;
    const { key } = canary;
    const aborted = { by: instanceId, at: new Date().toISOString(), error };
    const text = canaryRecordText({ ...seen.record, aborted });
    const id = seen.record.id;
    try {
      const response = await withDeadline(
        client
          .if(key, 'Mod', '==', seen.modRevision)
          .then(client.put(key).value(text))
          .else(client.get(key))
          .commit(),
        deadlineMs,
        () => new Error(`no answer within ${deadlineMs} ms`),
      );
      const now = response.responses[0]?.response_range?.kvs[0]?.value.toString('utf8');
      // A retry of this same write (etcd3 retries a call whose answer was lost) finds it done.
      if (!response.succeeded && now !== text) {
        logger.debug(etcdMessages.canaryAbortLost(id, key));
        return false;
      }
    } catch (failure) {
      const reason = failureReason(failure);
      if (isRefusal(failure)) logger.warn(etcdMessages.canaryAbortRefused(id, key, reason));
      else logger.warn(etcdMessages.canaryAbortFailed(id, key, reason));
      return false;
    }
    const variant = { canary: id, overlays: [...(outcome.variant?.overlays ?? [])] };
    this.tell({ variant, where: `etcd:${key}`, error });
    return true;
  }

  private tell(notice: CanaryAbortNotice): void {
    this.untold = this.listener?.canaryAborted ? undefined : notice;
    this.listener?.canaryAborted?.(notice);
  }
}
