import type { SourceOutcome } from '../../../interfaces/config-source.interface.js';
import type { InstanceIdentity } from '../../instance-identity.js';
import { instanceStatusOf, type InstanceStatus, type TrialStatus } from './instance-status.js';

/**
 * This instance's status record, made of two things told apart: the outcome of the last change
 * and the answer to the last trial. Each is written with the other as it stands, so that an
 * answer never hides what the instance runs, and a reload never drops an answer someone waits
 * for (the writer keeps only the latest record).
 */
export class StatusRecord {
  private outcome: SourceOutcome | undefined;
  private trial: TrialStatus | undefined;

  constructor(
    private readonly identity: InstanceIdentity,
    private readonly writer: { write(record: InstanceStatus): void },
  ) {}

  /** What became of a change. */
  outcomeIs(outcome: SourceOutcome): void {
    this.outcome = outcome;
    this.write();
  }

  /** The answer to a trial; undefined once the trial is gone. */
  trialIs(trial: TrialStatus | undefined): void {
    this.trial = trial;
    // Before the first outcome there is no record to add it to: it goes with that one.
    if (this.outcome) this.write();
  }

  /** The answer the record carries now. */
  get trialAnswer(): TrialStatus | undefined {
    return this.trial;
  }

  private write(): void {
    this.writer.write(instanceStatusOf(this.identity, this.outcome!, this.trial));
  }
}
