import { createHash } from 'node:crypto';
import { open, realpath, stat } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import {
  ConfigAccessError,
  ConfigNotFoundError,
  ConfigTooLargeError,
} from './config-reloader.errors.js';
import { messages } from './config-reloader.messages.js';

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
}

/** Marker fingerprint for "no file at that path". */
export const MISSING_FILE = 'missing' as const;
export type FingerprintOrMissing = FileFingerprint | typeof MISSING_FILE;

export function hashContent(content: string | Uint8Array): string {
  return createHash('sha256').update(content).digest('hex');
}

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
export async function readConfigFile(path: string, maxBytes: number): Promise<RawConfigFile> {
  let handle;
  try {
    handle = await open(path, 'r');
  } catch (error) {
    throw toReadError(path, error);
  }
  try {
    const stats = await handle.stat();
    if (!stats.isFile()) throw new ConfigAccessError(path, messages.notAFile(path));
    if (stats.size > maxBytes) throw new ConfigTooLargeError(path, stats.size, maxBytes);
    const bytes = await readAtMost(handle, path, maxBytes);
    const target = await realpath(path).catch(() => path);
    return {
      path,
      text: new TextDecoder('utf-8').decode(bytes),
      byteLength: bytes.byteLength,
      hash: hashContent(bytes),
      fingerprint: fingerprintOf(stats, target),
    };
  } catch (error) {
    throw toReadError(path, error);
  } finally {
    await handle.close();
  }
}

// The file may grow between stat and read (a writer still busy): never hold more than the limit.
async function readAtMost(
  handle: Awaited<ReturnType<typeof open>>,
  path: string,
  maxBytes: number,
): Promise<Uint8Array> {
  const chunks: Buffer[] = [];
  let total = 0;
  for (;;) {
    const chunk = Buffer.allocUnsafe(64 * 1024);
    const { bytesRead } = await handle.read(chunk, 0, chunk.length, null);
    if (bytesRead === 0) break;
    total += bytesRead;
    if (total > maxBytes) throw new ConfigTooLargeError(path, total, maxBytes);
    chunks.push(chunk.subarray(0, bytesRead));
  }
  return Buffer.concat(chunks, total);
}

function isMissingError(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}

function toReadError(path: string, error: unknown): Error {
  if (error instanceof ConfigAccessError || error instanceof ConfigTooLargeError) return error;
  if (isMissingError(error)) return new ConfigNotFoundError(path, { cause: error });
  const code = (error as NodeJS.ErrnoException | undefined)?.code ?? 'unknown error';
  if (code === 'EISDIR')
    return new ConfigAccessError(path, messages.notAFile(path), { cause: error });
  return new ConfigAccessError(path, messages.access(path, code), { cause: error });
}
