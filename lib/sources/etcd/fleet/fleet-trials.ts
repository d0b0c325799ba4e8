import type { IKeyValue } from 'etcd3';
import { asReloadError } from '../../../config-reloader.errors.js';
import type { SourceListener } from '../../../interfaces/config-source.interface.js';
import type { InstanceIdentity } from '../../instance-identity.js';
import type { TrialStatus } from './instance-status.js';
import { selectorMatches } from './selector.js';
import type { StatusRecord } from './status-record.js';
import { readTrialRecord, trialsPrefix } from './trial-record.js';

export interface FleetTrialsOptions {
  key: string;
  identity: InstanceIdentity;
  /** Where the answers go: this instance's status record. */
  record: StatusRecord;
  /** `candidate` in place of the base, with this instance's overlays merged over it. */
  assemble(candidate: string, where: string): string;
}

/**
 * The trials under `K/trials/` as this instance sees them. Each one present at the start or
 * created later is judged once (a rewrite of its record is not a new trial) by the reload path,
 * as a reload of the candidate with this instance's overlays would be, nothing applied; the
 * answer goes into the status record for as long as the trial exists. A trial deleted before
 * it is judged gets no answer. Trials wait for the watch to start: only then can they be judged.
 */
export class FleetTrials {
  private readonly prefix: string;
  /** Every trial present, by name, with the revision it was created at. */
  private readonly present = new Map<string, string>();
  /** Trials seen before the watch started, by name: their record's text. */
  private readonly waiting = new Map<string, string>();
  private listener: SourceListener | undefined;

  constructor(private readonly options: FleetTrialsOptions) {
    this.prefix = trialsPrefix(options.key);
  }

  /** Whether an etcd key is one of these trials. */
  covers(fullKey: string): boolean {
    return fullKey.startsWith(this.prefix) && fullKey.length > this.prefix.length;
  }

  /** Everything under the prefix, as one read found it (at the start, after a compaction). */
  replaceAll(records: readonly IKeyValue[]): void {
    const names = new Set(records.map((kv) => this.nameOf(kv)));
    for (const name of this.present.keys()) if (!names.has(name)) this.gone(name);
    for (const kv of records) this.put(kv);
  }

  put(kv: IKeyValue): void {
    const name = this.nameOf(kv);
    const created = kv.create_revision;
    if (this.present.get(name) === created) return; // judged already, or being judged
    this.present.set(name, created);
    if (this.listener) void this.judge(name, kv.value.toString('utf8'), created);
    else this.waiting.set(name, kv.value.toString('utf8'));
  }

  delete(kv: IKeyValue): void {
    this.gone(this.nameOf(kv));
  }

  /** The reload path can judge from now on: the trials that waited for it are judged. */
  listen(listener: SourceListener): void {
    this.listener = listener;
    for (const [name, text] of this.waiting) void this.judge(name, text, this.present.get(name)!);
    this.waiting.clear();
  }

  private gone(name: string): void {
    this.present.delete(name);
    this.waiting.delete(name);
    const { record } = this.options;
    if (record.trialAnswer?.id === name) record.trialIs(undefined);
  }

  private async judge(name: string, text: string, created: string): Promise<void> {
    const answer = await this.answerTo(name, text);
    // Deleted (or deleted and created anew) meanwhile: nobody waits for this answer any more.
    if (answer && this.present.get(name) === created) this.options.record.trialIs(answer);
  }

  /** Undefined when the trial is not for this instance, or nobody can judge it any more. */
  private async answerTo(name: string, text: string): Promise<TrialStatus | undefined> {
    const where = `etcd:${this.prefix}${name}`;
    let document: string;
    try {
      const trial = readTrialRecord(text, where, name);
      // Its id is the default seed: each trial draws its own share of a fleet.
      const { identity } = this.options;
      if (trial.match && !selectorMatches(trial.match, identity, trial.id)) return undefined;
      document = this.options.assemble(trial.candidate, where);
    } catch (error) {
      // Nobody can tell whom an unreadable record is for: every instance says what is wrong.
      const { code, message } = asReloadError(error, where);
      return { id: name, state: 'rejected', error: { code, message } };
    }
    const verdict = await this.listener?.trial?.(document).catch(() => undefined); // closing
    if (!verdict) return undefined;
    if (verdict.accepted) return { id: name, state: 'accepted' };
    return { id: name, state: 'rejected', error: verdict.error };
  }

  private nameOf(kv: IKeyValue): string {
    return kv.key.toString('utf8').slice(this.prefix.length);
  }
}
