import { setTimeout as sleep } from 'node:timers/promises';
import {
  ConfigAccessError,
  ConfigConflictError,
  ConfigNotFoundError,
  ConfigUnstableError,
  InsecureConfigFileError,
  describeError,
} from '../../config-reloader.errors.js';
import { messages } from '../../config-reloader.messages.js';
import type { RelativePath } from '../../config-reloader.paths.js';
import type {
  ConfigSource,
  SourceListener,
  SourceSnapshot,
  SourceWatch,
} from '../config-source.interface.js';
import { removeStaleTempFiles, writeFileAtomically } from '../atomic-write.js';
import { hashContent } from '../content-hash.js';
import {
  fingerprintFile,
  MISSING_FILE,
  readConfigFile,
  sameFingerprint,
  type FingerprintOrMissing,
  type RawConfigFile,
} from './config-file.reader.js';
import type { WatchFunction } from './directory.watcher.js';
import {
  findExposure,
  findPermissionProblem,
  type FilePermissionPolicy,
} from './file-permissions.js';
import { FileWatch } from './file.watch.js';

export interface FileSourceOptions {
  /** How the path was given, when relative: a missing file's error names the working directory. */
  relativePath?: RelativePath;
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

/** File timestamps come from a coarse clock (1-10 ms on Linux); stay well clear of it. */
const RACY_WINDOW_MS = 25;
/** How long a read keeps trying while a writer is busy with the file before giving up. */
const MAX_UNSTABLE_MS = 1000;

/** What the last read saw, so the cheap check can tell whether the file moved since. */
interface LastSeen {
  fingerprint: FingerprintOrMissing;
  /**
   * The file was modified so close to the read that another write in the same timestamp tick
   * would leave size and mtime unchanged: the stat check cannot be trusted, so read again.
   */
  racy: boolean;
}

/**
 * A JSON file on the local disk as a `ConfigSource`. Its revision is the content hash. Reads
 * are size-limited, permission-checked and never torn; writes are atomic and compare-and-swap
 * against the hash; watching follows the directory (see `FileWatch`).
 */
export class FileSource implements ConfigSource {
  readonly id: string;
  private lastSeen: LastSeen = { fingerprint: MISSING_FILE, racy: false };
  private lastInsecureWarning: string | undefined;
  private lastExposureWarning: string | undefined;
  private debrisRemoved: Promise<void> | undefined;
  private activeWatch: FileWatch | undefined;

  constructor(
    readonly path: string,
    private readonly options: FileSourceOptions,
  ) {
    this.id = `file:${path}`;
  }

  async read(): Promise<SourceSnapshot> {
    this.debrisRemoved ??= this.removeDebris();
    await this.debrisRemoved;
    try {
      const raw = await this.readWhole();
      this.checkPermissions(raw);
      return {
        text: raw.text,
        revision: raw.hash,
        hash: raw.hash,
        origin: { fileOwnerUid: raw.fingerprint.uid },
      };
    } catch (error) {
      // Remember what the unreadable file looks like, so the cheap check waits for it to move.
      const fingerprint = await fingerprintFile(this.path).catch(() => MISSING_FILE);
      this.lastSeen = { fingerprint, racy: false };
      throw error;
    } finally {
      this.activeWatch?.readDone(this.options.settleMs);
    }
  }

  async watch(listener: SourceListener, signal?: AbortSignal): Promise<SourceWatch> {
    const watch = new FileWatch(
      this.path,
      () => this.hasMovedSinceRead(),
      listener,
      this.options,
      () => {
        if (this.activeWatch === watch) this.activeWatch = undefined;
      },
    );
    this.activeWatch = watch;
    await watch.start(signal);
    return watch;
  }

  /**
   * Replaces the file atomically if its content still hashes to `expectedRevision`. Files have
   * no compare-and-swap: the hash is checked before the temp file is written and again just
   * before the rename, so the window for a save to slip in is that last check and the rename.
   */
  async write(text: string, expectedRevision: string): Promise<SourceSnapshot> {
    await this.expectRevision(expectedRevision);
    try {
      await writeFileAtomically(this.path, text, {
        beforeRename: () => this.expectRevision(expectedRevision),
      });
    } catch (error) {
      if (error instanceof ConfigConflictError) throw error;
      const reason = (error as NodeJS.ErrnoException).code ?? describeError(error);
      throw new ConfigAccessError(this.path, messages.rollbackWrite(this.path, reason), {
        cause: error,
      });
    }
    const hash = hashContent(Buffer.from(text, 'utf8'));
    return { text, revision: hash, hash };
  }

  private async expectRevision(expected: string): Promise<void> {
    let actual: string | undefined;
    try {
      actual = (await this.readWhole()).hash;
    } catch (error) {
      if (!(error instanceof ConfigNotFoundError)) throw error;
    }
    if (actual !== expected) {
      throw new ConfigConflictError(
        this.path,
        expected,
        actual,
        messages.rollbackConflict(this.path, expected, actual),
      );
    }
  }

  /** A cheap look (a stat, no read): did the file move since it was last read? */
  async hasMovedSinceRead(): Promise<boolean> {
    // A stat that fails (permissions changed, say) counts as "moved": the reload reports why.
    const now = await fingerprintFile(this.path).catch(() => undefined);
    return (
      now === undefined || this.lastSeen.racy || !sameFingerprint(now, this.lastSeen.fingerprint)
    );
  }

  /** Reads again while a writer is busy with the file, so a torn version is never returned. */
  private async readWhole(): Promise<RawConfigFile> {
    const startedAt = Date.now();
    for (let pauseMs = 2; ; pauseMs = Math.min(pauseMs * 2, 100)) {
      const readStartedAt = Date.now();
      const raw = await readConfigFile(
        this.path,
        this.options.maxFileBytes,
        this.options.relativePath,
      );
      this.lastSeen = {
        fingerprint: raw.fingerprint,
        racy: readStartedAt - raw.fingerprint.mtimeMs < RACY_WINDOW_MS,
      };
      if (!raw.changedWhileReading) return raw;
      const waitedMs = Date.now() - startedAt;
      if (waitedMs >= MAX_UNSTABLE_MS) {
        throw new ConfigUnstableError(this.path, messages.unstable(this.path, waitedMs));
      }
      await sleep(pauseMs);
    }
  }

  /** Checked on every read: permissions can change at any time. */
  private checkPermissions(raw: RawConfigFile): void {
    if (this.options.filePermissions === 'ignore') return;
    const problem = findPermissionProblem(this.path, raw.fingerprint);
    if (problem && this.options.filePermissions === 'refuse') {
      throw new InsecureConfigFileError(this.path, problem);
    }
    // Each warned once per problem, and again if it comes back after a fix.
    if (problem && problem !== this.lastInsecureWarning) this.options.onWarning(problem);
    this.lastInsecureWarning = problem;
    const exposure = findExposure(this.path, raw.fingerprint);
    if (exposure && exposure !== this.lastExposureWarning) this.options.onWarning(exposure);
    this.lastExposureWarning = exposure;
  }

  private async removeDebris(): Promise<void> {
    const removed = await removeStaleTempFiles(this.path).catch(() => 0);
    if (removed > 0) this.options.onWarning(messages.staleTempFiles(removed, this.path));
  }
}
