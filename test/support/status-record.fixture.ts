import type { InstanceStatus } from '../../lib/sources/etcd/fleet/instance-status.js';

/**
 * A status record as an instance writes it, with the fields a test does not care about filled
 * in; `updatedAt` fixed unless given, so that two records of the same decision compare equal.
 */
export function statusRecordOf(
  instanceId: string,
  revision: string,
  state: InstanceStatus['state'],
  updatedAt = '2025-01-01T00:00:00.000Z',
): InstanceStatus {
  return {
    instanceId,
    hostname: 'host',
    pid: 1,
    name: 'default',
    labels: {},
    version: 1,
    revision,
    hash: 'h',
    variant: { overlays: [] },
    state,
    updatedAt,
  };
}
