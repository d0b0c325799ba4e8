const FIRST_DELAY_MS = 100;
/** A member restart takes a second or two; waiting longer only prolongs the outage. */
export const MAX_RECONNECT_DELAY_MS = 2000;

/**
 * The pause before reconnect attempt `failedAttempts + 1`: exponential up to a cap, with full
 * jitter (a uniform pick below it), so a fleet that lost etcd at the same moment does not come
 * back at the same moment and stampede it.
 */
export function reconnectDelay(failedAttempts: number, random: () => number = Math.random): number {
  const ceiling = Math.min(MAX_RECONNECT_DELAY_MS, FIRST_DELAY_MS * 2 ** failedAttempts);
  return Math.round(random() * ceiling);
}
