import type { DashboardSnapshot } from './fleet.snapshot.js';

/**
 * A snapshot as the page reads it, from its stream or inlined in the page: JSON whose `<`, `>`
 * and `&` are escaped, so that no value (any instance writes its record) can end the
 * `<script type="application/json">` block it is inlined in. JSON.parse reads the same values.
 */
export function snapshotJson(snapshot: DashboardSnapshot): string {
  return JSON.stringify(snapshot).replace(/[<>&\u2028\u2029]/g, escaped);
}

const escaped = (char: string) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`;
