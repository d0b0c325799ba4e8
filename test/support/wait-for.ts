/**
 * Polls `predicate` until it returns a truthy value or `timeoutMs` passes, then throws with
 * `description`: tests wait on an outcome with a bound, never on a fixed sleep.
 */
export async function waitFor<R>(
  predicate: () => R | Promise<R>,
  { timeoutMs = 5000, intervalMs = 10, description = 'condition' } = {},
): Promise<NonNullable<R>> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await predicate();
      if (value) return value as NonNullable<R>;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) {
      throw new Error(
        `Timed out after ${timeoutMs} ms waiting for ${description}` +
          (lastError ? ` (last error: ${String(lastError)})` : ''),
      );
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/** Resolves with the next value passed to the callback that `subscribe` registers, or rejects after `timeoutMs`. */
export function nextValue<V>(
  subscribe: (callback: (value: V) => void) => () => void,
  { timeoutMs = 5000, description = 'event' } = {},
): Promise<V> {
  return new Promise<V>((resolve, reject) => {
    const timer = setTimeout(() => {
      unsubscribe();
      reject(new Error(`Timed out after ${timeoutMs} ms waiting for ${description}`));
    }, timeoutMs);
    const unsubscribe = subscribe((value) => {
      clearTimeout(timer);
      unsubscribe();
      resolve(value);
    });
  });
}
