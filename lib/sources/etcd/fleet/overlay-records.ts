import type { DocumentLayer } from '../../../pipeline/document/layered-document.js';
import type { InstanceIdentity } from '../../instance-identity.js';
import { overlaysPrefix, readOverlayRecord, type OverlayRecord } from './overlay-record.js';
import { selectorMatches } from './selector.js';

type Entry = { record: OverlayRecord } | { error: unknown };

/**
 * The overlays of one config key as this instance last saw them (`K/overlays/<name>`), each read
 * once when it arrives. Which apply is decided per instance, in name order; a record nobody can
 * read stops every instance (the reload fails naming its key), since nobody can tell whom it was for.
 */
export class OverlayRecords {
  private readonly entries = new Map<string, Entry>();
  private readonly prefix: string;

  constructor(key: string) {
    this.prefix = overlaysPrefix(key);
  }

  /** Whether an etcd key is one of these overlays. */
  covers(fullKey: string): boolean {
    return fullKey.startsWith(this.prefix) && fullKey.length > this.prefix.length;
  }

  /** Everything under the prefix, as one read found it. */
  replaceAll(records: readonly { key: string; text: string }[]): void {
    this.entries.clear();
    for (const { key, text } of records) this.put(key, text);
  }

  put(fullKey: string, text: string): void {
    const where = `etcd:${fullKey}`;
    try {
      this.entries.set(this.nameOf(fullKey), { record: readOverlayRecord(text, where) });
    } catch (error) {
      this.entries.set(this.nameOf(fullKey), { error });
    }
  }

  delete(fullKey: string): void {
    this.entries.delete(this.nameOf(fullKey));
  }

  /** The patches for this instance, in name order; throws the first unreadable record's error. */
  layersFor(identity: InstanceIdentity): DocumentLayer[] {
    const names = [...this.entries.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    const layers: DocumentLayer[] = [];
    for (const name of names) {
      const entry = this.entries.get(name)!;
      if ('error' in entry) throw entry.error;
      // The overlay's name is its default seed: two overlays split a fleet independently.
      if (selectorMatches(entry.record.match, identity, name)) {
        layers.push({ name, patch: entry.record.patch });
      }
    }
    return layers;
  }

  private nameOf(fullKey: string): string {
    return fullKey.slice(this.prefix.length);
  }
}
