/** uid of the conventional unprivileged user. */
const NOBODY = 65534;

/**
 * Runs `task` with the effective uid of an unprivileged user when the tests run as root (as CI
 * does), so that file permissions apply: root reads and writes through any mode bits. The real
 * uid stays root, which lets the effective one be restored afterwards. Each test file runs in its
 * own process, so this does not leak into other files.
 */
export async function asUnprivilegedUser<R>(task: () => Promise<R>): Promise<R> {
  if (process.geteuid?.() !== 0 || !process.seteuid) return task();
  process.seteuid(NOBODY);
  try {
    return await task();
  } finally {
    process.seteuid(0);
  }
}
