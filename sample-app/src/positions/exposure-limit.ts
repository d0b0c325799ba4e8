import type { TrendFollowingConfig } from '../config/trend-following.config.js';

const REGIMES = ['trending', 'ranging', 'volatile'] as const;

/**
 * A limit of this bot's own, not of the shared config: a desk may run one bot under a tighter
 * exposure cap than the fleet's document allows (MAX_EXPOSURE). Throws, naming each regime whose
 * `exposureMultiplier` is above it; used in `beforeApply`, so such a config is vetoed here, and a
 * canary that carries it aborts itself.
 */
export function assertExposureWithin(
  next: Readonly<TrendFollowingConfig>,
  limit: number | undefined,
): void {
  if (limit === undefined) return;
  const over = REGIMES.filter((name) => next.regimes[name].exposureMultiplier > limit).map(
    (name) => `regimes.${name}.exposureMultiplier ${next.regimes[name].exposureMultiplier}`,
  );
  if (over.length > 0) {
    throw new Error(`${over.join(', ')} above this bot's exposure limit ${limit} (MAX_EXPOSURE)`);
  }
}
