/** Compares two etcd revisions (decimal strings, int64). */
export function compareRevisions(a: string, b: string): number {
  const difference = BigInt(a) - BigInt(b);
  return difference === 0n ? 0 : difference < 0n ? -1 : 1;
}
