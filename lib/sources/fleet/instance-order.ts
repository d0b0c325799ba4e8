/** The order every view of the fleet lists instances in: by instance id. */
export function sortedByInstanceId<T extends { instanceId: string }>(instances: Iterable<T>): T[] {
  return [...instances].sort((a, b) => a.instanceId.localeCompare(b.instanceId));
}
