import type { InstanceStatus } from './instance-status.js';
import { selectorMatches, type Selector } from './selector.js';

/**
 * What became of a trial on one instance: it accepted or rejected the candidate (its record
 * says so), its record vanished before it answered (the process ended), or it did not answer.
 */
export interface TrialAnswer {
  instance: InstanceStatus;
  state: 'accepted' | 'rejected' | 'gone' | 'unanswered';
  /** Why it rejected the candidate (never a secret value; untrusted text all the same). */
  error?: { code: string; message: string };
}

/**
 * The answers to one trial from the instances it waits for: those live when it started whose
 * record (labels, id) its selector matches, the trial's id being the default seed, as each
 * instance decides for itself. An instance that starts later is not waited for.
 */
export class TrialAnswers {
  private readonly answers = new Map<string, TrialAnswer>();

  constructor(
    private readonly id: string,
    match: Selector | undefined,
    live: readonly InstanceStatus[],
  ) {
    for (const instance of live) {
      if (!selectorMatches(match ?? {}, instance, id)) continue;
      this.answers.set(instance.instanceId, { instance, state: 'unanswered' });
      this.seen(instance);
    }
  }

  /** How many instances the trial waits for. */
  get size(): number {
    return this.answers.size;
  }

  /** Whether every instance waited for answered or vanished. */
  get done(): boolean {
    return [...this.answers.values()].every((answer) => answer.state !== 'unanswered');
  }

  /** A record an instance wrote: its answer, when this is the first record that has it. */
  seen(instance: InstanceStatus): TrialAnswer | undefined {
    const waiting = this.answers.get(instance.instanceId);
    const trial = instance.trial;
    if (waiting?.state !== 'unanswered' || trial?.id !== this.id) return undefined;
    const answer: TrialAnswer = {
      instance,
      state: trial.state,
      ...(trial.state === 'rejected' && trial.error ? { error: trial.error } : {}),
    };
    this.answers.set(instance.instanceId, answer);
    return answer;
  }

  /** An instance's record is gone (its lease ended): the answer when it had not answered yet. */
  vanished(instanceId: string): TrialAnswer | undefined {
    const waiting = this.answers.get(instanceId);
    if (waiting?.state !== 'unanswered') return undefined;
    const answer: TrialAnswer = { instance: waiting.instance, state: 'gone' };
    this.answers.set(instanceId, answer);
    return answer;
  }

  /** Every answer, unanswered ones included, by instance id. */
  all(): TrialAnswer[] {
    return [...this.answers.values()].sort((a, b) =>
      a.instance.instanceId.localeCompare(b.instance.instanceId),
    );
  }
}
