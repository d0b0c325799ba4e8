import { createHash } from 'node:crypto';
import {
  mkdir,
  mkdtemp,
  realpath,
  rename,
  rm,
  stat,
  symlink,
  unlink,
  utimes,
  writeFile,
} from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { hashContent } from '../../../lib/sources/content-hash.js';
import {
  fingerprintFile,
  MISSING_FILE,
  readConfigFile,
  sameFingerprint,
  type FileFingerprint,
} from '../../../lib/sources/file/config-file.reader.js';
import {
  ConfigAccessError,
  ConfigNotFoundError,
  ConfigReloadError,
  ConfigTooLargeError,
} from '../../../lib/config-reloader.errors.js';

const MiB = 1024 * 1024;

function sha256(content: string | Uint8Array): string {
  return createHash('sha256').update(content).digest('hex');
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error('expected the promise to reject');
    },
    (reason: unknown) => reason,
  );
}

async function fingerprint(file: string): Promise<FileFingerprint> {
  const result = await fingerprintFile(file);
  if (result === MISSING_FILE) throw new Error(`${file} is missing`);
  return result;
}

let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'config-file-reader-'));
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('hashContent', () => {
  it('is the hex sha256 of the content', () => {
    expect(hashContent('')).toBe(
      'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    );
    expect(hashContent('abc')).toBe(
      'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
    );
  });

  it('gives the same hash for a string and its UTF-8 bytes', () => {
    const text = '{"symbol": "€/₿"}';
    expect(hashContent(new TextEncoder().encode(text))).toBe(hashContent(text));
  });

  it('differs when one character differs', () => {
    expect(hashContent('{"a":1}')).not.toBe(hashContent('{"a":2}'));
  });
});

describe('readConfigFile', () => {
  it('reads the text, its byte length and its sha256 hash', async () => {
    const file = path.join(dir, 'config.json');
    const text = '{\n  "pair": "€UR/₿TC",\n  "size": 1\n}\n';
    await writeFile(file, text);
    const raw = await readConfigFile(file, MiB);
    expect(raw.path).toBe(file);
    expect(raw.text).toBe(text);
    expect(raw.byteLength).toBe(Buffer.byteLength(text, 'utf8'));
    expect(raw.byteLength).toBeGreaterThan(text.length); // multi-byte characters
    expect(raw.hash).toBe(sha256(Buffer.from(text, 'utf8')));
  });

  it('describes the file it read in the fingerprint', async () => {
    const file = path.join(dir, 'config.json');
    await writeFile(file, '{"a": 1}');
    const raw = await readConfigFile(file, MiB);
    const stats = await stat(file);
    expect(raw.fingerprint).toEqual({
      size: 8,
      mtimeMs: stats.mtimeMs,
      ctimeMs: stats.ctimeMs,
      ino: stats.ino,
      dev: stats.dev,
      mode: stats.mode,
      uid: stats.uid,
      target: await realpath(file),
    });
    expect(sameFingerprint(raw.fingerprint, await fingerprint(file))).toBe(true);
  });

  it('reads a file larger than one read chunk completely', async () => {
    const file = path.join(dir, 'big.json');
    const text = JSON.stringify({ data: 'x'.repeat(200 * 1024) });
    await writeFile(file, text);
    const raw = await readConfigFile(file, MiB);
    expect(raw.text).toBe(text);
    expect(raw.byteLength).toBe(text.length);
    expect(raw.hash).toBe(sha256(text));
  });

  it('reads an empty file', async () => {
    const file = path.join(dir, 'empty.json');
    await writeFile(file, '');
    const raw = await readConfigFile(file, MiB);
    expect(raw.text).toBe('');
    expect(raw.byteLength).toBe(0);
    expect(raw.hash).toBe(sha256(''));
  });

  it('reads through a symlink: path as given, fingerprint target resolved', async () => {
    const real = path.join(dir, 'real.json');
    const link = path.join(dir, 'link.json');
    await writeFile(real, '{"via": "link"}');
    await symlink(real, link);
    const raw = await readConfigFile(link, MiB);
    expect(raw.path).toBe(link);
    expect(raw.text).toBe('{"via": "link"}');
    expect(raw.fingerprint.target).toBe(await realpath(real));
  });

  it('throws ConfigNotFoundError (CONFIG_NOT_FOUND) for a missing file', async () => {
    const file = path.join(dir, 'absent.json');
    const error = await rejection(readConfigFile(file, MiB));
    expect(error).toBeInstanceOf(ConfigNotFoundError);
    expect(error).toBeInstanceOf(ConfigReloadError);
    expect((error as ConfigNotFoundError).code).toBe('CONFIG_NOT_FOUND');
    expect((error as ConfigNotFoundError).configPath).toBe(file);
    expect((error as ConfigNotFoundError).message).toContain(file);
    expect(((error as Error).cause as NodeJS.ErrnoException).code).toBe('ENOENT');
  });

  it('throws ConfigNotFoundError when a parent of the path is a regular file (ENOTDIR)', async () => {
    // Tests run as root here, where chmod 000 does not stop a read, so EACCES cannot be
    // produced in-process. This covers the errno mapping for a path that cannot exist instead;
    // the symlink-loop test below covers the mapping of other errors to ConfigAccessError.
    const parent = path.join(dir, 'not-a-dir');
    await writeFile(parent, 'x');
    const file = path.join(parent, 'config.json');
    const error = await rejection(readConfigFile(file, MiB));
    expect(error).toBeInstanceOf(ConfigNotFoundError);
    expect((error as ConfigNotFoundError).code).toBe('CONFIG_NOT_FOUND');
    expect(((error as Error).cause as NodeJS.ErrnoException).code).toBe('ENOTDIR');
  });

  it('throws ConfigAccessError (CONFIG_ACCESS) with the errno for an unreadable path', async () => {
    const loop = path.join(dir, 'loop.json');
    await symlink(loop, loop);
    const error = await rejection(readConfigFile(loop, MiB));
    expect(error).toBeInstanceOf(ConfigAccessError);
    expect((error as ConfigAccessError).code).toBe('CONFIG_ACCESS');
    expect((error as ConfigAccessError).configPath).toBe(loop);
    expect((error as ConfigAccessError).message).toContain(loop);
    expect((error as ConfigAccessError).message).toContain('ELOOP');
  });

  it('throws ConfigAccessError for a directory', async () => {
    const sub = path.join(dir, 'config.json');
    await mkdir(sub);
    const error = await rejection(readConfigFile(sub, MiB));
    expect(error).toBeInstanceOf(ConfigAccessError);
    expect((error as ConfigAccessError).code).toBe('CONFIG_ACCESS');
    expect((error as ConfigAccessError).message).toContain('not a regular file');
    expect((error as ConfigAccessError).message).toContain(sub);
  });

  it('throws ConfigTooLargeError with the size and the limit over maxBytes', async () => {
    const file = path.join(dir, 'large.json');
    await writeFile(file, JSON.stringify({ padding: 'x'.repeat(100) }));
    const size = (await stat(file)).size;
    const error = await rejection(readConfigFile(file, 64));
    expect(error).toBeInstanceOf(ConfigTooLargeError);
    expect((error as ConfigTooLargeError).code).toBe('CONFIG_TOO_LARGE');
    expect((error as ConfigTooLargeError).size).toBe(size);
    expect((error as ConfigTooLargeError).limit).toBe(64);
    expect((error as ConfigTooLargeError).configPath).toBe(file);
    expect((error as ConfigTooLargeError).message).toContain(`${size} bytes`);
    expect((error as ConfigTooLargeError).message).toContain('64 bytes');
  });

  it('accepts a file of exactly maxBytes and refuses one byte more', async () => {
    const file = path.join(dir, 'edge.json');
    await writeFile(file, '{"a":1}'); // 7 bytes
    await expect(readConfigFile(file, 7)).resolves.toMatchObject({ byteLength: 7 });
    await expect(readConfigFile(file, 6)).rejects.toMatchObject({ size: 7, limit: 6 });
  });
});

describe('fingerprintFile and sameFingerprint', () => {
  it('gives the same fingerprint while nothing changes', async () => {
    const file = path.join(dir, 'config.json');
    await writeFile(file, '{"a": 1}');
    const first = await fingerprint(file);
    const second = await fingerprint(file);
    expect(second).toEqual(first);
    expect(sameFingerprint(first, second)).toBe(true);
  });

  it('returns "missing" for a missing file', async () => {
    expect(await fingerprintFile(path.join(dir, 'absent.json'))).toBe(MISSING_FILE);
    expect(MISSING_FILE).toBe('missing');
  });

  it('returns "missing" when a parent of the path is a regular file', async () => {
    const parent = path.join(dir, 'file');
    await writeFile(parent, 'x');
    expect(await fingerprintFile(path.join(parent, 'config.json'))).toBe('missing');
  });

  it('returns "missing" for a dangling symlink', async () => {
    const link = path.join(dir, 'dangling.json');
    await symlink(path.join(dir, 'nowhere.json'), link);
    expect(await fingerprintFile(link)).toBe('missing');
  });

  it('compares "missing" only equal to "missing"', async () => {
    const file = path.join(dir, 'config.json');
    await writeFile(file, '{}');
    const present = await fingerprint(file);
    expect(sameFingerprint(MISSING_FILE, MISSING_FILE)).toBe(true);
    expect(sameFingerprint(MISSING_FILE, present)).toBe(false);
    expect(sameFingerprint(present, MISSING_FILE)).toBe(false);
  });

  it('changes after an atomic rename over the file (new inode), even with the same content', async () => {
    const file = path.join(dir, 'config.json');
    await writeFile(file, '{"a": 1}');
    const before = await fingerprint(file);
    const temp = path.join(dir, '.config.json.tmp');
    await writeFile(temp, '{"a": 1}');
    await utimes(temp, before.mtimeMs / 1000, before.mtimeMs / 1000); // same size and mtime
    await rename(temp, file);
    const after = await fingerprint(file);
    expect(after.ino).not.toBe(before.ino);
    expect(after.size).toBe(before.size);
    expect(sameFingerprint(before, after)).toBe(false);
  });

  it('changes after a same-size in-place rewrite with a later mtime', async () => {
    const file = path.join(dir, 'config.json');
    await writeFile(file, '{"a": 1}');
    const before = await fingerprint(file);
    await writeFile(file, '{"a": 2}');
    const later = new Date(before.mtimeMs + 5000);
    await utimes(file, later, later);
    const after = await fingerprint(file);
    expect(after.ino).toBe(before.ino);
    expect(after.size).toBe(before.size);
    expect(after.mtimeMs).toBeGreaterThan(before.mtimeMs);
    expect(sameFingerprint(before, after)).toBe(false);
  });

  it('detects each field on its own', () => {
    const base: FileFingerprint = {
      size: 10,
      mtimeMs: 1000,
      ctimeMs: 1000,
      ino: 42,
      dev: 7,
      mode: 0o100644,
      uid: 0,
      target: '/etc/app/config.json',
    };
    expect(sameFingerprint(base, { ...base })).toBe(true);
    for (const change of [
      { size: 11 },
      { mtimeMs: 1001 },
      { ctimeMs: 1001 },
      { ino: 43 },
      { dev: 8 },
      { mode: 0o100664 },
      { uid: 1000 },
      { target: '/etc/app/..2024/config.json' },
    ]) {
      expect(sameFingerprint(base, { ...base, ...change }), JSON.stringify(change)).toBe(false);
    }
  });

  it("uses a symlink's resolved path as target, and sees the link re-pointed", async () => {
    // Kubernetes ConfigMap style: config.json -> ..data/config.json, ..data -> a versioned dir.
    const v1 = path.join(dir, '..v1');
    const v2 = path.join(dir, '..v2');
    await mkdir(v1);
    await mkdir(v2);
    await writeFile(path.join(v1, 'config.json'), '{"v": 1}');
    await writeFile(path.join(v2, 'config.json'), '{"v": 2}');
    const data = path.join(dir, '..data');
    await symlink('..v1', data);
    const file = path.join(dir, 'config.json');
    await symlink(path.join('..data', 'config.json'), file);

    const before = await fingerprint(file);
    expect(before.target).toBe(await realpath(path.join(v1, 'config.json')));
    expect(before.target).not.toBe(file);

    const nextData = path.join(dir, '..data_tmp');
    await symlink('..v2', nextData);
    await rename(nextData, data);
    const after = await fingerprint(file);
    expect(after.target).toBe(await realpath(path.join(v2, 'config.json')));
    expect(sameFingerprint(before, after)).toBe(false);
  });

  it('turns to "missing" when the file is deleted', async () => {
    const file = path.join(dir, 'config.json');
    await writeFile(file, '{}');
    await fingerprint(file);
    await unlink(file);
    expect(await fingerprintFile(file)).toBe(MISSING_FILE);
  });
});
