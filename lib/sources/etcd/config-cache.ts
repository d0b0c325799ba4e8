import { readFile } from 'node:fs/promises';
import { writeFileAtomically } from '../file/atomic-write.js';

/** The last applied document, kept on local disk to start on while etcd is unreachable. */
export interface CachedConfig {
  key: string;
  /** The etcd `mod_revision` of the document: where the watch resumes. */
  revision: string;
  hash: string;
  text: string;
  savedAt: string;
}

/**
 * The local copy behind `cachePath`. Written atomically (a crash leaves the old copy whole) and
 * readable by the owner only: the config may hold secrets.
 */
export class ConfigCache {
  constructor(
    readonly path: string,
    private readonly key: string,
  ) {}

  async save(entry: Omit<CachedConfig, 'key' | 'savedAt'>): Promise<void> {
    const record: CachedConfig = { key: this.key, ...entry, savedAt: new Date().toISOString() };
    await writeFileAtomically(this.path, `${JSON.stringify(record, null, 2)}\n`, {
      newFileMode: 0o600,
    });
  }

  /** The cached document, or a reason why there is none that can be used. */
  async load(): Promise<CachedConfig | { unusable: string }> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (error) {
      return { unusable: `${this.path}: ${(error as NodeJS.ErrnoException).code ?? error}` };
    }
    let record: Partial<CachedConfig>;
    try {
      record = JSON.parse(text) as Partial<CachedConfig>;
    } catch {
      return { unusable: `${this.path} is not a cache file written by this module` };
    }
    if (typeof record.text !== 'string' || typeof record.revision !== 'string') {
      return { unusable: `${this.path} is not a cache file written by this module` };
    }
    if (record.key !== this.key) {
      return { unusable: `${this.path} holds key ${String(record.key)}, not ${this.key}` };
    }
    return record as CachedConfig;
  }
}
