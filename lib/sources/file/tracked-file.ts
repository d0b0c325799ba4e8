import { setTimeout as sleep } from 'node:timers/promises';
import {
  ConfigNotFoundError,
  ConfigUnstableError,
  InsecureConfigFileError,
} from '../../config-reloader.errors.js';
import { messages } from '../../config-reloader.messages.js';
import type { RelativePath } from '../../config-reloader.paths.js';
import {
  fingerprintFile,
  MISSING_FILE,
  readConfigFile,
  sameFingerprint,
  type FingerprintOrMissing,
  type RawConfigFile,
} from './config-file.reader.js';
import {
  findExposure,
  findPermissionProblem,
  type FilePermissionPolicy,
} from './file-permissions.js';

export interface TrackedFileOptions {
  maxFileBytes: number;
  filePermissions: FilePermissionPolicy;
  /** Told once per distinct problem: unsafe permissions, a file readable by everyone. */
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
 * One file the file source reads and follows (the config, or an overlay over it): reads that
 * are size-limited, permission-checked and never torn, and what the last read saw, so that a
 * cheap stat can tell whether the file moved since.
 */
export class TrackedFile {
  private lastSeen: LastSeen = { fingerprint: MISSING_FILE, racy: false };
  private lastInsecureWarning: string | undefined;
  private lastExposureWarning: string | undefined;

  constructor(
    readonly path: string,
    private readonly options: TrackedFileOptions,
    /** How the path was given, when relative: a missing file's error names the working directory. */
    private readonly relativePath?: RelativePath,
    /** The message of a missing file, when it is not the config itself (an overlay). */
    private readonly notFoundMessage?: (path: string, relative?: RelativePath) => string,
  ) {}

  /** The whole file, permissions checked; remembers what it saw, failures included. */
  async read(): Promise<RawConfigFile> {
    try {
      const raw = await this.readWhole();
      this.checkPermissions(raw);
      return raw;
    } catch (error) {
      // Remember what the unreadable file looks like, so the cheap check waits for it to move.
      const fingerprint = await fingerprintFile(this.path).catch(() => MISSING_FILE);
      this.lastSeen = { fingerprint, racy: false };
      throw error;
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
  async readWhole(): Promise<RawConfigFile> {
    const startedAt = Date.now();
    for (let pauseMs = 2; ; pauseMs = Math.min(pauseMs * 2, 100)) {
      const readStartedAt = Date.now();
      const raw = await this.readOnce();
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

  private async readOnce(): Promise<RawConfigFile> {
    try {
      return await readConfigFile(this.path, this.options.maxFileBytes, this.relativePath);
    } catch (error) {
      if (!(error instanceof ConfigNotFoundError) || !this.notFoundMessage) throw error;
      const message = this.notFoundMessage(this.path, this.relativePath);
      throw new ConfigNotFoundError(this.path, { message, cause: error.cause });
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
}
