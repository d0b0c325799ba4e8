import { lstat } from 'node:fs/promises';
import { join, parse, relative, resolve, sep } from 'node:path';

/**
 * The first directory on the way to `file` that the process may not search (enter), if one is
 * the reason the file cannot be opened. Each step looks at the next entry of the path: the look
 * fails with EACCES exactly when the directory holding that entry (or one before it) may not be
 * searched. The process's effective user decides, as it does for the read itself (`access()`
 * would ask about the real user instead). Only called to explain an EACCES: a few stats.
 */
export async function findUnsearchableDirectory(file: string): Promise<string | undefined> {
  const absolute = resolve(file);
  const { root } = parse(absolute);
  let directory = root;
  for (const entry of relative(root, absolute).split(sep)) {
    const next = join(directory, entry);
    try {
      await lstat(next);
    } catch (error) {
      return (error as NodeJS.ErrnoException).code === 'EACCES' ? directory : undefined;
    }
    directory = next;
  }
  return undefined;
}
