import { open, realpath, stat } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import { dirname, resolve } from 'node:path';
import {
  ConfigAccessError,
  ConfigNotFoundError,
  ConfigTooLargeError,
} from '../../config-reloader.errors.js';
import { messages } from '../../config-reloader.messages.js';
import type { RelativePath } from '../../config-reloader.paths.js';
import { hashContent } from '../content-hash.js';
import { findUnsearchableDirectory } from './unsearchable-directory.js';

/**
 * What identifies one version of a file on disk without reading it: a change of content, an
 * atomic rename over it, or a symlink swap (Kubernetes `..data`) moves at least one of these.
 */
export interface FileFingerprint {
  size: number;
  mtimeMs: number;
  ctimeMs: number;
  ino: number;
  dev: number;
  /** Permission bits and owner: a chmod or chown is a change worth a look too. */
  mode: number;
  uid: number;
  /** Where the path resolves through symlinks. */
  target: string;
}

/** The bytes of a config file as read, with their hash and the fingerprint of what was opened. */
export interface RawConfigFile {
  path: string;
  text: string;
  byteLength: number;
  /** sha256 of the bytes, hex. */
  hash: string;
  fingerprint: FileFingerprint;
  /**
   * The file changed between opening and the end of the read (a writer still busy): the text
   * may be torn. A file renamed over the path meanwhile does not count: what was read is whole.
   */
  changedWhileReading: boolean;
}

/** Marker fingerprint for "no file at that path". */
export const MISSING_FILE = 'missing' as const;
export type FingerprintOrMissing = FileFingerprint | typeof MISSING_FILE;

export function sameFingerprint(a: FingerprintOrMissing, b: FingerprintOrMissing): boolean {
  if (a === MISSING_FILE || b === MISSING_FILE) return a === b;
  return (
    a.size === b.size &&
    a.mtimeMs === b.mtimeMs &&
    a.ctimeMs === b.ctimeMs &&
    a.ino === b.ino &&
    a.dev === b.dev &&
    a.mode === b.mode &&
    a.uid === b.uid &&
    a.target === b.target
  );
}

function fingerprintOf(stats: Stats, target: string): FileFingerprint {
  return {
    size: stats.size,
    mtimeMs: stats.mtimeMs,
    ctimeMs: stats.ctimeMs,
    ino: stats.ino,
    dev: stats.dev,
    mode: stats.mode,
    uid: stats.uid,
    target,
  };
}

/** A cheap look at the file (two syscalls, no read), for the periodic "did the watcher miss something" check. */
export async function fingerprintFile(path: string): Promise<FingerprintOrMissing> {
  try {
    const [stats, target] = await Promise.all([stat(path), realpath(path)]);
    return fingerprintOf(stats, target);
  } catch (error) {
    if (isMissingError(error)) return MISSING_FILE;
    throw error;
  }
}

/**
 * Reads a config file whole, refusing anything larger than `maxBytes` before reading it. The
 * fingerprint is taken from the opened descriptor, so it describes exactly the bytes read.
 */
export async function readConfigFile(
  path: string,
  maxBytes: number,
  relative?: RelativePath,
): Promise<RawConfigFile> {
  let handle;
  try {
    handle = await open(path, 'r');
  } catch (error) {
    throw await toOpenError(path, error, relative);
  }
  try {
    const stats = await handle.stat();
    if (!stats.isFile()) throw new ConfigAccessError(path, messages.notAFile(path));
    if (stats.size > maxBytes) throw new ConfigTooLargeError(path, stats.size, maxBytes);
    const bytes = await readAtMost(handle, path, stats.size, maxBytes);
    const [after, target] = await Promise.all([handle.stat(), realpath(path).catch(() => path)]);
    return {
      path,
      text: bytes.toString('utf8'),
      byteLength: bytes.byteLength,
      hash: hashContent(bytes),
      fingerprint: fingerprintOf(stats, target),
      changedWhileReading:
        bytes.byteLength !== stats.size ||
        after.size !== stats.size ||
        after.mtimeMs !== stats.mtimeMs ||
        // A file renamed over the path unlinks the one we read: its ctime moves, its bytes do not.
        (after.ctimeMs !== stats.ctimeMs && after.nlink > 0),
    };
  } catch (error) {
    throw toReadError(path, error);
  } finally {
    await handle.close();
  }
}

// Sized from the stat (one read and the EOF check, like readFile), grown if a writer is still
// appending, and never beyond the limit.
async function readAtMost(
  handle: Awaited<ReturnType<typeof open>>,
  path: string,
  expectedBytes: number,
  maxBytes: number,
): Promise<Buffer> {
  let buffer = Buffer.allocUnsafe(Math.min(expectedBytes, maxBytes) + 1);
  let total = 0;
  for (;;) {
    if (total === buffer.length) {
      const grown = Buffer.allocUnsafe(Math.min(buffer.length * 2, maxBytes + 1));
      buffer.copy(grown, 0, 0, total);
      buffer = grown;
    }
    const { bytesRead } = await handle.read(buffer, total, buffer.length - total, null);
    if (bytesRead === 0) break;
    total += bytesRead;
    if (total > maxBytes) throw new ConfigTooLargeError(path, total, maxBytes);
  }
  return buffer.subarray(0, total);
}

function isMissingError(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}

// A file that cannot be opened for want of permission: its own mode, or a directory on its path
// that may not be searched (readable is not enough). Only then are the directories looked at.
async function toOpenError(
  path: string,
  error: unknown,
  relative: RelativePath | undefined,
): Promise<Error> {
  if ((error as NodeJS.ErrnoException | undefined)?.code === 'EACCES') {
    const directory = await findUnsearchableDirectory(path).catch(() => undefined);
    if (directory !== undefined) {
      const isParent = directory === dirname(resolve(path));
      const message = messages.directoryNotSearchable(path, directory, isParent);
      return new ConfigAccessError(path, message, { cause: error });
    }
  }
  return toReadError(path, error, relative);
}

function toReadError(path: string, error: unknown, relative?: RelativePath): Error {
  if (error instanceof ConfigAccessError || error instanceof ConfigTooLargeError) return error;
  if (isMissingError(error)) return new ConfigNotFoundError(path, { cause: error, relative });
  const code = (error as NodeJS.ErrnoException | undefined)?.code ?? 'unknown error';
  if (code === 'EISDIR')
    return new ConfigAccessError(path, messages.notAFile(path), { cause: error });
  return new ConfigAccessError(path, messages.access(path, code), { cause: error });
}
