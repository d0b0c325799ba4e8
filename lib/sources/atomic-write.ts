import { randomBytes } from 'node:crypto';
import { open, readdir, realpath, rename, stat, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { PRIVATE_FILE_MODE } from './private-file-mode.js';

/**
 * Our temp files are named `.<config name>.config-reloader-<pid>-<random>.tmp`: hidden, next to
 * the file (a rename is only atomic within one filesystem), and recognisable as ours, so that
 * the debris of a process killed mid-write can be removed without touching anybody else's file
 * (an operator's `bot.json.20261201` backup looks just like another library's temp name).
 */
const TEMP_PATTERN = /^\.(.+)\.config-reloader-(\d+)-[0-9a-f]{12}\.tmp$/;

function tempPathFor(target: string): string {
  const suffix = randomBytes(6).toString('hex');
  return join(dirname(target), `.${basename(target)}.config-reloader-${process.pid}-${suffix}.tmp`);
}

/**
 * Replaces a file atomically: write a temp file beside it, fsync, give it the old file's mode
 * and owner, rename it over the file, fsync the directory. A reader sees the old content or the
 * new one, never a mix; a crash leaves the old file whole (and at worst one temp file of ours).
 * A symlinked path is written through to its target, so the link itself stays. A file that did
 * not exist is created 0600, whatever the umask: what this module writes may hold secrets.
 */
export async function writeFileAtomically(
  path: string,
  text: string,
  {
    beforeRename,
  }: {
    /** Runs once the temp file is on disk, just before the rename; throw to abandon the write. */
    beforeRename?: () => Promise<void>;
  } = {},
): Promise<void> {
  const target = await realpath(path).catch(() => path);
  const previous = await stat(target).catch(() => undefined);
  const temp = tempPathFor(target);
  // An existing file keeps the mode its operator gave it (a ConfigMap's 0644, a group's 0640).
  const mode = previous ? previous.mode & 0o7777 : PRIVATE_FILE_MODE;
  // Created owner-only, so the content is never readable by others, even before the chmod.
  const handle = await open(temp, 'wx', PRIVATE_FILE_MODE);
  try {
    await handle.writeFile(text, 'utf8');
    await handle.chmod(mode); // the umask may have narrowed it
    if (previous && isRoot() && (previous.uid !== 0 || previous.gid !== 0)) {
      await handle.chown(previous.uid, previous.gid);
    }
    await handle.sync();
    await handle.close();
    await beforeRename?.();
    await rename(temp, target);
  } catch (error) {
    await handle.close().catch(() => undefined);
    await unlink(temp).catch(() => undefined);
    throw error;
  }
  await syncDirectory(dirname(target));
}

/**
 * Removes temp files that an interrupted write of ours left beside `path` (or beside its
 * symlink target). A file whose writing process is still alive is left alone: it may be
 * another instance in the middle of a write. Returns how many were removed. Only processes of
 * this host are known: on a volume shared by several hosts, a writer on another host whose pid
 * is unused here would lose its temp file (its write then fails, and the config stays whole).
 */
export async function removeStaleTempFiles(path: string): Promise<number> {
  const target = await realpath(path).catch(() => path);
  const places = new Map<string, string>([
    [dirname(path), basename(path)],
    [dirname(target), basename(target)],
  ]);
  let removed = 0;
  for (const [directory, name] of places) {
    const entries = await readdir(directory).catch(() => [] as string[]);
    for (const entry of entries) {
      const match = TEMP_PATTERN.exec(entry);
      if (!match || match[1] !== name) continue;
      const file = join(directory, entry);
      if (!(await isAbandoned(file, Number(match[2])))) continue;
      if (await unlink(file).then(succeeded, failed)) removed++;
    }
  }
  return removed;
}

/**
 * Its writer is gone: no process has its pid, or the pid is ours but the file is older than this
 * process (in a container the app is pid 1 again after every restart).
 */
async function isAbandoned(file: string, pid: number): Promise<boolean> {
  if (pid !== process.pid) return !isAlive(pid);
  const startedAt = Date.now() - process.uptime() * 1000;
  const stats = await stat(file).catch(() => undefined);
  return stats !== undefined && stats.mtimeMs < startedAt;
}

const succeeded = () => true;
const failed = () => false;

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function isRoot(): boolean {
  return process.getuid?.() === 0;
}

// The rename is durable only once the directory entry is on disk; some filesystems cannot
// fsync a directory, and the write itself already succeeded then.
async function syncDirectory(directory: string): Promise<void> {
  const handle = await open(directory, 'r').catch(() => undefined);
  if (!handle) return;
  await handle.sync().catch(() => undefined);
  await handle.close();
}
