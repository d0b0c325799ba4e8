/**
 * The longest delay a Node timer keeps: 2^31 - 1 ms, about 24.8 days. Node runs a longer one
 * after 1 ms (with a warning nobody reads): `verifyIntervalMs: 3e9` would check the file every
 * millisecond, and a wait of 50,000 minutes would end at once. Every duration an option or a
 * flag takes is refused above it, where it is declared.
 */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/** Why `ms` is no duration a timer can hold, or undefined when it is one. */
export function timerProblem(ms: number): string | undefined {
  if (ms <= MAX_TIMER_MS) return undefined;
  return `at most ${MAX_TIMER_MS} ms (about 24.8 days, the longest a Node timer waits)`;
}
