import { InvalidArgumentError } from 'commander';
import { timerProblem } from '../../config-reloader.timers.js';

const UNIT_MS = { ms: 1, s: 1000, m: 60_000 } as const;

/**
 * A duration flag's value in ms: `30s`, `500ms`, `2m`, `1.5s`, or a plain number of ms. Throws
 * commander's InvalidArgumentError, so a bad value is a usage error (exit 2) that says why.
 */
export function parseDuration(value: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(value.trim());
  const ms = match ? Math.round(Number(match[1]) * UNIT_MS[(match[2] ?? 'ms') as 'ms']) : NaN;
  if (!Number.isSafeInteger(ms) || ms < 1) {
    throw new InvalidArgumentError(
      `a duration of at least 1 ms was expected, like 30s, 500ms, 2m or 1500 (ms), got "${value}".`,
    );
  }
  const tooLong = timerProblem(ms);
  if (tooLong)
    throw new InvalidArgumentError(`a duration of ${tooLong} was expected, got "${value}".`);
  return ms;
}

/** `1500` -> `1.5s`, `120000` -> `2m`: durations as people write them, for messages. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${ms}ms`;
  if (ms < 60_000 || ms % 60_000 !== 0) return `${Number((ms / 1000).toFixed(1))}s`;
  return `${ms / 60_000}m`;
}
