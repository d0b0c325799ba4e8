/** `42s`, `3m05s`, `2h10m`, `3d4h`: an age at a glance. */
export function formatAge(ms: number | null): string {
  if (ms === null) return '?';
  const seconds = Math.max(0, Math.floor(ms / 1000));
  const two = (n: number) => String(n).padStart(2, '0');
  if (seconds < 60) return `${seconds}s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m${two(seconds % 60)}s`;
  const hours = Math.floor(seconds / 3600);
  if (hours < 24) return `${hours}h${two(Math.floor(seconds / 60) % 60)}m`;
  return `${Math.floor(hours / 24)}d${hours % 24}h`;
}

/** The age of an ISO time stamp by this machine's clock; null when it is not a date. */
export function ageOf(isoTime: string, now = Date.now()): number | null {
  const time = Date.parse(isoTime);
  return Number.isNaN(time) ? null : now - time;
}
