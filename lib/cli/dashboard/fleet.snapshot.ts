import type { ConfigChange } from '../../change/config.diff.js';
import type { FleetStatus } from '../../sources/etcd/fleet/fleet-status.reader.js';
import type { StoredTrial } from '../../sources/etcd/fleet/fleet-view.reader.js';
import type { InstanceStatus } from '../../sources/etcd/fleet/instance-status.js';
import type { RolloutStanding } from '../../sources/etcd/fleet/rollout-progress.js';
import type { StoredCanary } from '../../sources/etcd/fleet/canary.store.js';
import { compareRevisions } from '../../sources/fleet/revision-order.js';
import { ageOf } from '../shared/age.format.js';
import { formatLabels, formatVariant } from '../shared/identity.format.js';
import { appVersionGroups, type AppVersionGroup } from '../shared/app-versions.js';
import { canaryView, type CanaryView } from './canary.view.js';
import { shownError, type ShownError } from './shown-error.js';
import { trialViews, type TrialView } from './trials.view.js';

export type { CanaryView, ShownError, TrialView };

/** Where one instance stands, as the dashboard counts it (`/metrics` uses the same words). */
export type FleetState = 'applied' | 'rejected' | 'vetoed' | 'staged' | 'behind';
export const FLEET_STATES: readonly FleetState[] = [
  'applied',
  'rejected',
  'vetoed',
  'staged',
  'behind',
];

export interface FleetRow {
  instanceId: string;
  hostname: string;
  name: string;
  labels: string;
  /** The app's version, when the instance says (`etcdSource({ appVersion })`). */
  appVersion?: string;
  version: number;
  revision: string;
  variant: string;
  /** What its record says. */
  recordState: InstanceStatus['state'];
  /** Where it stands on the published revision. */
  state: FleetState;
  error?: ShownError;
  /** Milliseconds since its record was written, when the snapshot was made; null: no date. */
  ageMs: number | null;
}

/** One line of the banner: an instance that is not where the rest of the fleet is, and why. */
export interface Difference {
  instanceId: string;
  why: Exclude<FleetState, 'applied'> | 'disconnected';
  detail: string;
}

export interface DashboardSnapshot {
  key: string;
  publishedRevision: string | null;
  /** etcd answered the last read and the watch is connected. */
  etcdConnected: boolean;
  /** The buttons are offered: the dashboard was started with --allow-actions. */
  actions: boolean;
  rows: FleetRow[];
  revisions: { revision: string; count: number }[];
  counts: Record<FleetState, number>;
  /** The fleet by app version, side by side, when it runs more than one; else empty. */
  appVersions: AppVersionGroup<FleetState>[];
  banner: Difference[];
  canary: CanaryView | null;
  /** The canary record is there but no instance can read it: why. */
  canaryProblem?: string;
  /** The key's revisions the dashboard can diff, newest first. */
  history: string[];
  trials: TrialView[];
}

/** An instance whose record vanished while the dashboard watched: its process ended or hung. */
export interface GoneInstance {
  instanceId: string;
  at: string;
  /** Its last record. */
  last: InstanceStatus;
}

export interface SnapshotInput {
  fleet: FleetStatus;
  trials: readonly StoredTrial[];
  canary: StoredCanary | undefined;
  canaryDiff: ConfigChange[];
  gone: readonly GoneInstance[];
  history: string[];
  standing: (instance: InstanceStatus, revision: string) => RolloutStanding;
  etcdConnected: boolean;
  actions: boolean;
  now: number;
}

/** The whole view of the fleet the page renders and `/metrics` counts, from one read. */
export function fleetSnapshot(input: SnapshotInput): DashboardSnapshot {
  const { fleet, now } = input;
  const published = fleet.publishedRevision;
  const stateOf = (instance: InstanceStatus): FleetState => {
    if (instance.state === 'staged') return 'staged';
    return published === undefined ? instance.state : input.standing(instance, published);
  };
  const rows = fleet.instances.map((instance): FleetRow => ({
    instanceId: instance.instanceId,
    hostname: instance.hostname,
    name: instance.name,
    labels: formatLabels(instance.labels),
    ...(instance.appVersion === undefined ? {} : { appVersion: instance.appVersion }),
    version: instance.version,
    revision: instance.revision,
    variant: formatVariant(instance.variant),
    recordState: instance.state,
    state: stateOf(instance),
    ...(instance.error ? { error: shownError(instance.error) } : {}),
    ageMs: ageOf(instance.updatedAt, now),
  }));
  const counts = Object.fromEntries(FLEET_STATES.map((state) => [state, 0])) as Record<
    FleetState,
    number
  >;
  for (const row of rows) counts[row.state] += 1;
  return {
    key: fleet.key,
    publishedRevision: published ?? null,
    etcdConnected: input.etcdConnected,
    actions: input.actions,
    rows,
    revisions: revisionCounts(rows),
    counts,
    appVersions: appVersionGroups(rows, FLEET_STATES),
    banner: [...rows.flatMap(differenceOf(published)), ...input.gone.map(disconnected)],
    ...canaryView({ ...input, live: fleet.instances }),
    history: input.history,
    trials: trialViews(input.trials, fleet.instances),
  };
}

function revisionCounts(rows: readonly FleetRow[]): { revision: string; count: number }[] {
  const counts = new Map<string, number>();
  for (const row of rows) counts.set(row.revision, (counts.get(row.revision) ?? 0) + 1);
  return [...counts]
    .map(([revision, count]) => ({ revision, count }))
    .sort((a, b) => compareRevisions(b.revision, a.revision));
}

const differenceOf =
  (published: string | undefined) =>
  (row: FleetRow): Difference[] => {
    if (row.state === 'applied') return [];
    const error = row.error ? `${row.error.code}: ${row.error.message}` : 'no error given';
    const detail = {
      rejected: `rejected revision ${row.revision}: ${error}`,
      vetoed: `vetoed revision ${row.revision} for now: ${error}`,
      staged: `holds revision ${row.revision} staged, not applied yet`,
      behind: `on revision ${row.revision}, behind the published ${published ?? '?'}`,
    }[row.state];
    return [{ instanceId: row.instanceId, why: row.state, detail }];
  };

const disconnected = ({ instanceId, at }: GoneInstance): Difference => ({
  instanceId,
  why: 'disconnected',
  detail: `its record vanished at ${at}: the process ended or lost etcd`,
});
