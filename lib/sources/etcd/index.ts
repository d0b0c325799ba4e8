// A separate entry point, so that file-only apps never need etcd3 installed.
export { createEtcdClient, type EtcdConnectionOptions } from './etcd-client.js';
export {
  instanceStatusKey,
  instancesPrefix,
  parseInstanceStatus,
  type InstanceStatus,
} from './fleet/instance-status.js';
export { etcdSource } from './etcd.source.js';
export type { EtcdSourceOptions } from './etcd-source.options.js';
export { readFleetStatus, type FleetStatus } from './fleet/fleet-status.reader.js';
// Membership by percentage: tools that show or plan a rollout must bucket as the instances do.
export { bucketOf, selectorMatches, type Selector } from './fleet/selector.js';
export {
  compareRevisions,
  rolloutProgress,
  rolloutStanding,
  type RolloutProgress,
  type RolloutStanding,
} from './fleet/rollout-progress.js';
export {
  waitForRollout,
  type RolloutResult,
  type RolloutWaitOptions,
} from './fleet/rollout.watcher.js';
