import type { Logger } from '@nestjs/common';
import { describeError } from '../config-reloader.errors.js';
import { messages } from '../config-reloader.messages.js';
import type {
  ConfigSource,
  SourceOutcome,
  SourceSnapshot,
} from '../interfaces/config-source.interface.js';
import type { AppliedVersion } from '../store/config.store.js';

/**
 * Tells the source what became of each change (fleet status, a local cache), "nothing to do"
 * included, and remembers the last outcome, so that a decision is told again when the same
 * content comes back at a new revision. A source that throws is logged, never thrown.
 */
export class SourceOutcomeTeller {
  /** The last outcome the source was told. */
  private lastTold: Omit<SourceOutcome, 'name'> | undefined;

  constructor(
    private readonly name: string,
    private readonly source: ConfigSource,
    private readonly logger: Logger,
  ) {}

  /** `variant` is told only when the source said which layers made the document. */
  tell({ variant, ...decision }: Omit<SourceOutcome, 'name'>): void {
    const outcome = variant === undefined ? decision : { ...decision, variant };
    this.lastTold = outcome;
    try {
      this.source.report?.({ name: this.name, ...outcome });
    } catch (error) {
      this.logger.warn(messages.sourceReportFailed(this.name, describeError(error)));
    }
  }

  /** A watched change failed before it became a document: the source knows what it read. */
  readFailed(version: number, error: { code: string; message: string }): void {
    try {
      this.source.reportReadFailure?.({ name: this.name, version, error });
    } catch (failure) {
      this.logger.warn(messages.sourceReportFailed(this.name, describeError(failure)));
    }
  }

  /**
   * The source holds the content in force again, maybe at a new revision (a republished good
   * config after a rejected one, a staged change given up): nothing to apply, but the source
   * hears that this revision is applied, so that no record stays 'rejected' or 'staged' for a
   * revision the instance has moved past.
   */
  unchanged(applied: AppliedVersion<unknown>): void {
    const last = this.lastTold;
    if (last?.state === 'applied' && last.revision === applied.revision) return;
    this.tell({
      state: 'applied',
      version: applied.version,
      revision: applied.revision,
      hash: applied.hash,
      text: applied.text,
      variant: applied.variant,
    });
  }

  /**
   * Content the source was already told about (rejected, vetoed or staged) came back at another
   * revision: the decision stands, and is told again at the new revision (with its layers).
   */
  sameDecision(snapshot: SourceSnapshot): void {
    const last = this.lastTold;
    if (!last || last.hash !== snapshot.hash || last.revision === snapshot.revision) return;
    this.tell({ ...last, revision: snapshot.revision, variant: snapshot.variant });
  }
}
