import { isAbsolute, resolve } from 'node:path';

/**
 * A file path that was given relative, and the working directory it was resolved against. A
 * message about the file names both: a service started from another directory than expected
 * (systemd, a container's WORKDIR, a test runner) looks for its files somewhere else.
 */
export interface RelativePath {
  readonly given: string;
  readonly workingDirectory: string;
}

/** How `path` relates to the working directory: undefined when it is absolute. */
export function relativePathOf(path: string): RelativePath | undefined {
  return isAbsolute(path) ? undefined : { given: path, workingDirectory: process.cwd() };
}

/** `path` made absolute once, against today's working directory, and how when it was relative. */
export function resolvePath(path: string): { path: string; relative?: RelativePath } {
  const relative = relativePathOf(path);
  return relative ? { path: resolve(path), relative } : { path };
}
