import {
  ConfigAccessError,
  ConfigConflictError,
  ConfigNotFoundError,
  ConfigParseError,
  ConfigReloadError,
  describeError,
} from '../../config-reloader.errors.js';
import { messages } from '../../config-reloader.messages.js';
import type { RelativePath } from '../../config-reloader.paths.js';
import { parseConfigText } from '../../pipeline/document/config.parser.js';
import type {
  ConfigSource,
  SourceListener,
  SourceSnapshot,
  SourceWatch,
} from '../../interfaces/config-source.interface.js';
import { removeStaleTempFiles, writeFileAtomically } from '../atomic-write.js';
import { hashContent } from '../content-hash.js';
import {
  assembleLayeredDocument,
  type DocumentLayer,
} from '../../pipeline/document/layered-document.js';
import type { WatchFunction } from './directory.watcher.js';
import type { FilePermissionPolicy } from './file-permissions.js';
import { FileSetWatch } from './file-set.watch.js';
import { FileWatch } from './file.watch.js';
import { overlayMessages } from './overlay.messages.js';
import { TrackedFile } from './tracked-file.js';

/** A merge-patch file layered over the config. */
export interface FileOverlay {
  /** The path as given: its name in `variant.overlays`. */
  given: string;
  /** The absolute path. */
  path: string;
  /** How the path was given, when relative: a missing overlay's error names the working directory. */
  relative?: RelativePath;
}

export interface FileSourceOptions {
  /** How the path was given, when relative: a missing file's error names the working directory. */
  relativePath?: RelativePath;
  /** Merge-patch files (RFC 7386) layered over the config, in this order. */
  overlays?: readonly FileOverlay[];
  maxFileBytes: number;
  filePermissions: FilePermissionPolicy;
  usePolling: boolean;
  pollingIntervalMs: number;
  /** Interval of the cheap stat check; 0 disables it. */
  verifyIntervalMs: number;
  /** Delay of the stat check made after each read, which catches a write no event reported. */
  settleMs: number;
  watch: WatchFunction;
  /** Told once per distinct problem: unsafe permissions, a fall-back to polling, debris removed. */
  onWarning: (message: string) => void;
}

/** An overlay as the source follows it. */
interface OverlayFile {
  given: string;
  file: TrackedFile;
}

/**
 * A JSON file on the local disk as a `ConfigSource`, with optional merge-patch overlays over it.
 * Its revision is the content hash of the effective document. Reads are size-limited,
 * permission-checked and never torn; writes replace the base file only, atomically, with
 * compare-and-swap against the revision; watching follows the directory of every file (see
 * `FileWatch`).
 */
export class FileSource implements ConfigSource {
  readonly id: string;
  private readonly base: TrackedFile;
  private readonly overlays: readonly OverlayFile[];
  private debrisRemoved: Promise<void> | undefined;
  private activeWatch: FileSetWatch | undefined;

  constructor(
    readonly path: string,
    private readonly options: FileSourceOptions,
  ) {
    this.id = `file:${path}`;
    this.base = new TrackedFile(path, options, options.relativePath);
    this.overlays = (options.overlays ?? []).map((overlay) => ({
      given: overlay.given,
      file: new TrackedFile(overlay.path, options, overlay.relative, overlayMessages.notFound),
    }));
  }

  async read(): Promise<SourceSnapshot> {
    this.debrisRemoved ??= this.removeDebris();
    await this.debrisRemoved;
    try {
      const raw = await this.base.read();
      const origin = { fileOwnerUid: raw.fingerprint.uid };
      if (this.overlays.length === 0) {
        return { text: raw.text, revision: raw.hash, hash: raw.hash, origin };
      }
      return { ...this.layered(raw.text, await this.readLayers()), origin };
    } finally {
      this.activeWatch?.readDone(this.options.settleMs);
    }
  }

  async watch(listener: SourceListener, signal?: AbortSignal): Promise<SourceWatch> {
    const files = [this.base, ...this.overlays.map((overlay) => overlay.file)];
    const watch = new FileSetWatch(
      files.map(
        (file) =>
          new FileWatch(
            file.path,
            () => file.hasMovedSinceRead(),
            listener,
            this.options,
            () => undefined,
          ),
      ),
      () => {
        if (this.activeWatch === watch) this.activeWatch = undefined;
      },
    );
    this.activeWatch = watch;
    await watch.start(signal);
    return watch;
  }

  /**
   * Replaces the base file atomically if the effective document still hashes to
   * `expectedRevision`, and returns the document it makes with the overlays as they are now.
   * Files have no compare-and-swap: the hash is checked before the temp file is written and
   * again just before the rename, so the window for a save to slip in is that last check and
   * the rename.
   */
  async write(text: string, expectedRevision: string): Promise<SourceSnapshot> {
    let layers = await this.expectRevision(expectedRevision);
    // The base must make a document before it is written: nothing may fail after the rename.
    if (this.overlays.length > 0) assembleLayeredDocument(text, this.path, layers);
    try {
      await writeFileAtomically(this.path, text, {
        beforeRename: async () => {
          layers = await this.expectRevision(expectedRevision);
        },
      });
    } catch (error) {
      if (error instanceof ConfigConflictError) throw error;
      // An overlay's own problem (missing, unparsable, unreadable) names the overlay itself.
      if (error instanceof ConfigReloadError && error.configPath !== this.path) throw error;
      const reason = (error as NodeJS.ErrnoException).code ?? describeError(error);
      throw new ConfigAccessError(this.path, messages.rollbackWrite(this.path, reason), {
        cause: error,
      });
    }
    if (this.overlays.length > 0) return this.layered(text, layers);
    const hash = hashContent(Buffer.from(text, 'utf8'));
    return { text, revision: hash, hash };
  }

  /**
   * Throws `ConfigConflictError` unless the effective document hashes to `expected`; returns
   * the overlays read for it. A missing or unparsable overlay throws its own error: the
   * document cannot be made, so neither compared nor replaced.
   */
  private async expectRevision(expected: string): Promise<DocumentLayer[]> {
    let actual: string | undefined;
    let layers: DocumentLayer[] = [];
    try {
      const raw = await this.base.readWhole();
      actual = raw.hash;
      if (this.overlays.length > 0) {
        layers = await this.readLayers();
        actual = this.effectiveHash(raw.text, layers) ?? raw.hash;
      }
    } catch (error) {
      if (!(error instanceof ConfigNotFoundError) || error.configPath !== this.path) throw error;
    }
    if (actual !== expected) {
      throw new ConfigConflictError(
        this.path,
        expected,
        actual,
        messages.rollbackConflict(this.path, expected, actual),
      );
    }
    return layers;
  }

  /** The hash of the effective document; undefined when the base cannot make one (unparsable). */
  private effectiveHash(baseText: string, layers: DocumentLayer[]): string | undefined {
    try {
      return this.layered(baseText, layers).hash;
    } catch (error) {
      if (error instanceof ConfigParseError) return undefined;
      throw error;
    }
  }

  /** Every overlay, read and parsed as strictly as a config; an error names the overlay. */
  private async readLayers(): Promise<DocumentLayer[]> {
    const layers: DocumentLayer[] = [];
    for (const { given, file } of this.overlays) {
      const raw = await file.read();
      layers.push({ name: given, patch: parseConfigText(raw.text, file.path) });
    }
    return layers;
  }

  /** The snapshot of the base with the overlays over it: revision and hash are the effective text's. */
  private layered(baseText: string, layers: DocumentLayer[]): SourceSnapshot {
    const document = assembleLayeredDocument(baseText, this.path, layers);
    const hash = hashContent(document.text);
    return {
      text: document.text,
      revision: hash,
      hash,
      variant: { overlays: document.overlays },
      baseText,
    };
  }

  private async removeDebris(): Promise<void> {
    const removed = await removeStaleTempFiles(this.path).catch(() => 0);
    if (removed > 0) this.options.onWarning(messages.staleTempFiles(removed, this.path));
  }
}
