import type { FleetChange } from '../../sources/etcd/fleet/fleet-changes.watcher.js';
import type { FleetView } from '../../sources/etcd/fleet/fleet-view.reader.js';
import type { InstanceStatus } from '../../sources/etcd/fleet/instance-status.js';
import { sortedByInstanceId } from '../../sources/fleet/instance-order.js';

type RecordChange = Extract<FleetChange, { kind: 'record' }>;

/**
 * The fleet's status records as the dashboard keeps them: a whole read, then each change the
 * watch reports applied to it (a put replaces one record, a delete removes it), so that a fleet
 * of a thousand reporting a new revision costs no read of all thousand per burst.
 */
export class FleetRecords {
  private readonly byKey = new Map<string, InstanceStatus>();
  /** The store revision of the last whole read: changes up to it are in it already. */
  private readRevision = 0n;
  /** Changes seen while a whole read is under way: applied again on top of what it returns. */
  private duringRead: RecordChange[] | undefined;
  private sorted: InstanceStatus[] | undefined;

  /** A whole read starts: the changes the watch reports until it ends are kept. */
  readStarted(): void {
    this.duringRead ??= [];
  }

  /** A whole read failed: what the watch reported stays applied. */
  readFailed(): void {
    this.duringRead = undefined;
  }

  /** Replaces every record with what a whole read found, plus what changed after it. */
  replace(fleet: Pick<FleetView, 'byKey' | 'instances' | 'revision'>): void {
    const since = this.duringRead ?? [];
    this.duringRead = undefined;
    this.byKey.clear();
    for (const [key, status] of fleet.byKey) this.byKey.set(key, status);
    this.readRevision = BigInt(fleet.revision);
    // The read sorted them already: the changes below keep that order or sort again.
    this.sorted = [...fleet.instances];
    for (const change of since) this.apply(change);
  }

  /** Applies one change the watch reported (unless the last whole read has it already). */
  apply(change: RecordChange): void {
    this.duringRead?.push(change);
    if (BigInt(change.revision) <= this.readRevision) return;
    const { status } = change;
    const before = this.byKey.get(change.key);
    if (before === undefined && status === undefined) return;
    // Not a record (or no longer one): gone from the fleet, as a whole read would skip it.
    if (status === undefined) this.byKey.delete(change.key);
    else this.byKey.set(change.key, status);
    this.keepOrder(before, status);
  }

  /** The same instance keeps its place in the order; any other change sorts again (lazily). */
  private keepOrder(before: InstanceStatus | undefined, after: InstanceStatus | undefined): void {
    const at =
      before && after?.instanceId === before.instanceId ? this.sorted?.indexOf(before) : -1;
    if (at === undefined || at < 0) this.sorted = undefined;
    else this.sorted![at] = after!;
  }

  /** Every record, sorted by instance id as a whole read sorts them. */
  instances(): InstanceStatus[] {
    this.sorted ??= sortedByInstanceId(this.byKey.values());
    return [...this.sorted];
  }
}
