import type { Etcd3, IKeyValue } from 'etcd3';
import { Range } from 'etcd3';
import { hashContent } from '../../content-hash.js';
import type { SourceSnapshot } from '../../../interfaces/config-source.interface.js';
import type { InstanceIdentity } from '../../instance-identity.js';
import { assembleLayeredDocument } from '../../../pipeline/document/layered-document.js';
import { toConfigKeyValue, type ConfigKeyValue } from '../config-key.reader.js';
import { FleetCanary } from './fleet-canary.js';
import { overlaysPrefix } from './overlay-record.js';
import { OverlayRecords } from './overlay-records.js';
import { FleetTrials } from './fleet-trials.js';
import type { StatusRecord } from './status-record.js';
import { trialsPrefix } from './trial-record.js';

/**
 * What one instance's document is made of: the config key `K` (the base), the canary `K/canary`
 * and the overlays under `K/overlays/`, as reads and watch events showed them. The document is
 * the canary's candidate when this instance is a member of a canary that is not aborted, else
 * the base, with every overlay that matches this instance merged over it, in name order; without
 * either, the base text itself. Its revision is the latest revision that changed any of its parts
 * (a deleted overlay or canary counts, for members and the others alike), so it only goes up, and
 * equals the key's `mod_revision` for a fleet without canary and overlays.
 * The trials under `K/trials/` are read and watched with it: no part of it, they are judged
 * against it, and answered in the status record `record` (without one, they are not watched).
 */
export class FleetDocument {
  private base: ConfigKeyValue | undefined;
  private readonly overlays: OverlayRecords;
  /** The canary as last seen: whom it is for, and what an abort compares against. */
  readonly canary: FleetCanary;
  /** The trials this instance judges. */
  readonly trials: FleetTrials | undefined;
  /** The latest revision an overlay was put or deleted at (0: none seen). */
  private overlaysRevision = 0n;

  constructor(
    private readonly key: string,
    private readonly identity: InstanceIdentity,
    record?: StatusRecord,
  ) {
    this.overlays = new OverlayRecords(key);
    this.canary = new FleetCanary(key);
    if (!record) return;
    const assemble = (candidate: string, where: string) => this.assemble(candidate, where);
    this.trials = new FleetTrials({ key, identity, record, assemble });
  }

  /** The watch ranges the document is made from, and the trials; no status records. */
  get ranges(): { key: string; prefix?: boolean }[] {
    const trials = this.trials ? [{ key: trialsPrefix(this.key), prefix: true }] : [];
    const overlays = { key: overlaysPrefix(this.key), prefix: true };
    return [{ key: this.key }, { key: this.canary.key }, overlays, ...trials];
  }

  /** Reads the key, its canary, overlays and trials at one revision; resolves with that revision. */
  async read(client: Etcd3): Promise<string> {
    const overlays = Range.prefix(overlaysPrefix(this.key));
    const trials = Range.prefix(trialsPrefix(this.key));
    const response = await client.kv.txn({
      success: [
        { request_range: { key: Buffer.from(this.key) } },
        { request_range: { key: overlays.start, range_end: overlays.end } },
        { request_range: { key: Buffer.from(this.canary.key) } },
        ...(this.trials ? [{ request_range: { key: trials.start, range_end: trials.end } }] : []),
      ],
    });
    const [base, layers, canary, tried] = response.responses.map(
      (part) => part.response_range?.kvs ?? [],
    );
    this.trials?.replaceAll(tried ?? []);
    const kv = base?.[0];
    this.base = kv ? toConfigKeyValue(kv) : undefined;
    this.canary.replace(canary?.[0]);
    this.overlays.replaceAll((layers ?? []).map((item) => recordOf(item)));
    this.overlaysRevision = (layers ?? []).reduce(
      (latest, item) => (BigInt(item.mod_revision) > latest ? BigInt(item.mod_revision) : latest),
      0n,
    );
    return response.header.revision;
  }

  /** A put seen by the watch; false when the key is none of the document's parts. */
  put(kv: IKeyValue): boolean {
    const key = kv.key.toString('utf8');
    if (this.trials?.covers(key)) this.trials.put(kv);
    if (key === this.key) {
      this.base = toConfigKeyValue(kv);
      return true;
    }
    if (this.canary.covers(key)) {
      this.canary.put(kv);
      return true;
    }
    if (!this.overlays.covers(key)) return false;
    this.overlays.put(key, kv.value.toString('utf8'));
    this.sawOverlayAt(kv.mod_revision);
    return true;
  }

  /** A delete seen by the watch; false when the key is none of the document's parts. */
  delete(kv: IKeyValue): boolean {
    const key = kv.key.toString('utf8');
    if (this.trials?.covers(key)) this.trials.delete(kv);
    if (key === this.key) {
      this.base = undefined;
      return true;
    }
    if (this.canary.covers(key)) {
      this.canary.delete(kv);
      return true;
    }
    if (!this.overlays.covers(key)) return false;
    this.overlays.delete(key);
    this.sawOverlayAt(kv.mod_revision);
    return true;
  }

  /** Whether the base exists (a deleted key is reported by the reload path as not found). */
  get exists(): boolean {
    return this.base !== undefined;
  }

  /**
   * The document this instance runs now. Throws the error of a canary or overlay record nobody
   * can read, or the parse error of the base (or candidate) when overlays are to be merged over
   * it; undefined without a base. `baseText` is always the base: a rollback writes nothing else.
   */
  snapshot(base: ConfigKeyValue | undefined = this.base): SourceSnapshot | undefined {
    if (!base) return undefined;
    const canary = this.canary.memberOf(this.identity);
    const layers = this.overlays.layersFor(this.identity);
    const revision = String(this.revisionOf(base));
    const origin = { etcdRevision: revision };
    if (!canary && layers.length === 0) {
      return { text: base.text, revision, hash: hashContent(base.text), origin };
    }
    const document = canary
      ? assembleLayeredDocument(canary.candidate, `etcd:${this.canary.key}`, layers)
      : assembleLayeredDocument(base.text, `etcd:${this.key}`, layers);
    return {
      text: document.text,
      revision,
      hash: hashContent(document.text),
      origin,
      variant: { ...(canary ? { canary: canary.id } : {}), overlays: document.overlays },
      baseText: base.text,
    };
  }

  /** The document, or undefined when it cannot be made (or there is no base). */
  whole(): SourceSnapshot | undefined {
    try {
      return this.snapshot();
    } catch {
      return undefined;
    }
  }

  /**
   * The revision read when no document can be made of it (a canary or overlay record nobody can
   * read), so that a refusal can be recorded at it; undefined when a document can be made.
   */
  unreadableAt(): string | undefined {
    if (!this.base) return undefined;
    try {
      this.snapshot();
      return undefined;
    } catch {
      return String(this.revisionOf(this.base));
    }
  }

  /** `candidate` in place of the base, with this instance's overlays over it: what it would run. */
  assemble(candidate: string, where: string): string {
    return assembleLayeredDocument(candidate, where, this.overlays.layersFor(this.identity)).text;
  }

  private revisionOf(base: ConfigKeyValue): bigint {
    const parts = [this.overlaysRevision, this.canary.revision];
    return parts.reduce(maxRevision, BigInt(base.modRevision));
  }

  private sawOverlayAt(modRevision: string): void {
    this.overlaysRevision = maxRevision(this.overlaysRevision, BigInt(modRevision));
  }
}

function maxRevision(a: bigint, b: bigint): bigint {
  return a > b ? a : b;
}

function recordOf(kv: IKeyValue): { key: string; text: string } {
  return { key: kv.key.toString('utf8'), text: kv.value.toString('utf8') };
}
