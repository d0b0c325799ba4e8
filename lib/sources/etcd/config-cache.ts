import { readFile, stat } from 'node:fs/promises';
import { describeError } from '../../config-reloader.errors.js';
import { writeFileAtomically } from '../atomic-write.js';
import { isReadableByOthers, octalMode } from '../private-file-mode.js';
import { etcdMessages } from './etcd.messages.js';

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
 * created readable by the owner only: the config may hold secrets. A copy that already exists
 * keeps its mode; if others may read it, `onWarning` is told once.
 */
export class ConfigCache {
  private modeChecked = false;

  constructor(
    readonly path: string,
    private readonly key: string,
    private readonly onWarning: (message: string) => void = () => undefined,
  ) {}

  /** Keeps an applied document, in the background: a failure is a warning, never thrown. */
  keep({ revision, hash, text }: { revision: string; hash: string; text?: string }): void {
    if (text === undefined) return;
    this.save({ revision, hash, text }).catch((error: unknown) => {
      this.onWarning(etcdMessages.cacheFailed(`etcd:${this.key}`, this.path, describeError(error)));
    });
  }

  async save(entry: Omit<CachedConfig, 'key' | 'savedAt'>): Promise<void> {
    await this.checkModeOnce();
    const record: CachedConfig = { key: this.key, ...entry, savedAt: new Date().toISOString() };
    await writeFileAtomically(this.path, `${JSON.stringify(record, null, 2)}\n`);
  }

  /** The cached document, or a reason why there is none that can be used. */
  async load(): Promise<CachedConfig | { unusable: string }> {
    await this.checkModeOnce();
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

  // Checked on first use only: the operator chose the mode, and is told once how to fix it.
  private async checkModeOnce(): Promise<void> {
    if (this.modeChecked) return;
    this.modeChecked = true;
    const stats = await stat(this.path).catch(() => undefined);
    if (stats?.isFile() && isReadableByOthers(stats.mode)) {
      this.onWarning(etcdMessages.cacheReadable(this.path, octalMode(stats.mode)));
    }
  }
}
