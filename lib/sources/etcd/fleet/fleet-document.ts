import type { Etcd3, IKeyValue } from 'etcd3';
import { Range } from 'etcd3';
import { hashContent } from '../../content-hash.js';
import type { SourceSnapshot } from '../../../interfaces/config-source.interface.js';
import type { InstanceIdentity } from '../../instance-identity.js';
import { assembleLayeredDocument } from '../../../pipeline/document/layered-document.js';
import { toConfigKeyValue, type ConfigKeyValue } from '../config-key.reader.js';
import { overlaysPrefix } from './overlay-record.js';
import { OverlayRecords } from './overlay-records.js';
import { FleetTrials } from './fleet-trials.js';
import type { StatusRecord } from './status-record.js';
import { trialsPrefix } from './trial-record.js';

/**
 * What one instance's document is made of: the config key `K` (the base) and the overlays under
 * `K/overlays/`, as reads and watch events showed them. The document is the base with every
 * overlay that matches this instance merged over it, in name order; without one, the base text
 * itself. Its revision is the latest revision that changed any of its parts (a deleted overlay
 * counts), so it only goes up, and equals the key's `mod_revision` for a fleet without overlays.
 * The trials under `K/trials/` are read and watched with it: no part of it, they are judged
 * against it, and answered in the status record `record` (without one, they are not watched).
 */
export class FleetDocument {
  private base: ConfigKeyValue | undefined;
  private readonly overlays: OverlayRecords;
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
    if (!record) return;
    const assemble = (candidate: string, where: string) => this.assemble(candidate, where);
    this.trials = new FleetTrials({ key, identity, record, assemble });
  }

  /** The watch ranges the document is made from, and the trials; no status records. */
  get ranges(): { key: string; prefix?: boolean }[] {
    const trials = this.trials ? [{ key: trialsPrefix(this.key), prefix: true }] : [];
    return [{ key: this.key }, { key: overlaysPrefix(this.key), prefix: true }, ...trials];
  }

  /** Reads the key, its overlays and trials at one revision; resolves with that store revision. */
  async read(client: Etcd3): Promise<string> {
    const overlays = Range.prefix(overlaysPrefix(this.key));
    const trials = Range.prefix(trialsPrefix(this.key));
    const response = await client.kv.txn({
      success: [
        { request_range: { key: Buffer.from(this.key) } },
        { request_range: { key: overlays.start, range_end: overlays.end } },
        ...(this.trials ? [{ request_range: { key: trials.start, range_end: trials.end } }] : []),
      ],
    });
    const [base, layers, tried] = response.responses.map((part) => part.response_range?.kvs ?? []);
    this.trials?.replaceAll(tried ?? []);
    const kv = base?.[0];
    this.base = kv ? toConfigKeyValue(kv) : undefined;
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
   * The document this instance runs now. Throws the error of an overlay record nobody can read,
   * or the base's parse error when overlays are to be merged over it; undefined without a base.
   */
  snapshot(base: ConfigKeyValue | undefined = this.base): SourceSnapshot | undefined {
    if (!base) return undefined;
    const layers = this.overlays.layersFor(this.identity);
    const revision = String(maxRevision(BigInt(base.modRevision), this.overlaysRevision));
    const origin = { etcdRevision: revision };
    if (layers.length === 0) {
      return { text: base.text, revision, hash: hashContent(base.text), origin };
    }
    const document = assembleLayeredDocument(base.text, `etcd:${this.key}`, layers);
    return {
      text: document.text,
      revision,
      hash: hashContent(document.text),
      origin,
      variant: { overlays: document.overlays },
      baseText: document.baseText,
    };
  }

  /** `candidate` in place of the base, with this instance's overlays over it: what it would run. */
  assemble(candidate: string, where: string): string {
    return assembleLayeredDocument(candidate, where, this.overlays.layersFor(this.identity)).text;
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
