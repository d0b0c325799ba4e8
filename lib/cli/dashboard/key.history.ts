import type { ConfigChange } from '../../change/config.diff.js';
import { validatedText } from '../check/pipeline.loader.js';
import type { ConfigKeyValue } from '../../sources/etcd/config-key.reader.js';
import { redactedChanges } from '../check/diff.format.js';
import type { EtcdConnection } from '../etcd/etcd.connection.js';

/** How many earlier values are read from etcd's history at start, and how many are kept. */
const BACKFILL = 20;
const KEEP = 100;

/**
 * The values the key held, by the revision that wrote them: the ones before the dashboard
 * started read from etcd's history (until compaction), every later one as the dashboard sees it,
 * so they outlive compaction. The texts stay here: only redacted diffs leave.
 */
export class KeyHistory {
  private readonly values = new Map<string, string>();

  constructor(
    private readonly etcd: EtcdConnection,
    private readonly secretKeys: readonly string[],
  ) {}

  /** A value the key holds now. */
  note(value: ConfigKeyValue | undefined): void {
    if (value === undefined || this.values.has(value.modRevision)) return;
    this.values.set(value.modRevision, value.text);
    const oldest = this.revisions().at(-1);
    if (this.values.size > KEEP && oldest !== undefined) this.values.delete(oldest);
  }

  /** Reads the values before `current` from etcd's history, until none, compaction or the bound. */
  async backfill(current: ConfigKeyValue | undefined): Promise<void> {
    let before = current === undefined ? 0n : BigInt(current.modRevision) - 1n;
    for (let read = 0; read < BACKFILL && before > 0n; read++) {
      const past = await this.etcd.readKeyAt(before.toString()).catch(() => undefined);
      if (past?.state !== 'found') return; // none earlier, compacted, or etcd did not answer
      this.note(past.value);
      before = BigInt(past.value.modRevision) - 1n;
    }
  }

  /** The revisions known, newest first. */
  revisions(): string[] {
    return [...this.values.keys()].sort((a, b) => (BigInt(b) > BigInt(a) ? 1 : -1));
  }

  /** The changes from one revision's value to another's, redacted; undefined for one unknown. */
  async diff(from: string, to: string): Promise<ConfigChange[] | undefined> {
    const before = this.values.get(from);
    const after = this.values.get(to);
    if (before === undefined || after === undefined) return undefined;
    const parsed = (text: string, revision: string) =>
      validatedText(text, `etcd@${revision}`, {}).then(
        (checked) => checked.plain,
        () => ({}), // a value the instances could not parse: nothing of it to compare
      );
    return redactedChanges(await parsed(before, from), await parsed(after, to), this.secretKeys);
  }
}
