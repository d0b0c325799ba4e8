import type { DashboardSnapshot } from './fleet.snapshot.js';

/**
 * A snapshot as the page reads it, from its stream and from `/snapshot.json` alike (one text:
 * the page sees when the stream's first one is what it has). `<`, `>` and `&` are escaped: no
 * value (any instance writes its record) reads as markup wherever the text lands, and
 * JSON.parse reads the same values.
 */
export function snapshotJson(snapshot: DashboardSnapshot): string {
  return JSON.stringify(snapshot).replace(/[<>&\u2028\u2029]/g, escaped);
}

const escaped = (char: string) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`;
