import { ConfigSourceUnavailableError, describeError } from '../../config-reloader.errors.js';
import type { CasGuard, CasPutResult } from '../../sources/etcd/cas-put.js';
import type { ConfigKeyValue, PastConfigKey } from '../../sources/etcd/config-key.reader.js';
import type { FleetStatus } from '../../sources/etcd/fleet/fleet-status.reader.js';
import type { FleetView } from '../../sources/etcd/fleet/fleet-view.reader.js';
import type { InstanceStatus } from '../../sources/etcd/fleet/instance-status.js';
import type { OverlayRecord } from '../../sources/etcd/fleet/overlay-record.js';
import type { StoredOverlay } from '../../sources/etcd/fleet/overlay-record.store.js';
import type {
  RolloutProgress,
  RolloutStanding,
} from '../../sources/etcd/fleet/rollout-progress.js';
import type { RolloutResult } from '../../sources/etcd/fleet/rollout.watcher.js';
import type { FleetChangesOptions } from '../../sources/etcd/fleet/fleet-changes.watcher.js';
import type { TrialRecord } from '../../sources/etcd/fleet/trial-record.js';
import type { TrialRun, TrialRunOptions } from '../../sources/etcd/fleet/trial.watcher.js';
import { cliMessages } from '../shared/cli.messages.js';
import { CliFailure, ExitCode } from '../shared/cli-output.js';
import { canaryConnection, type CanaryConnection, type EtcdStep } from './canary.connection.js';
import { etcdAccessOf } from './etcd.credentials.js';
import type { EtcdFlags } from './etcd.flags.js';

/** The key at an earlier revision; when compacted, with the oldest revision etcd still keeps. */
export type PastValue =
  | Exclude<PastConfigKey, { state: 'compacted' }>
  | { state: 'compacted'; oldestKept: string | undefined };

/** One etcd connection for one command; every step bounded, every failure a CliFailure. */
export interface EtcdConnection {
  readKey(): Promise<ConfigKeyValue | undefined>;
  /** The key as it was at store `revision`, from etcd's history. */
  readKeyAt(revision: string): Promise<PastValue>;
  /** With `guard`: only while that key is unchanged too (a plain publish and `K/canary`). */
  casPut(
    text: string,
    expectedModRevision: string | undefined,
    guard?: CasGuard,
  ): Promise<CasPutResult>;
  readFleet(): Promise<FleetStatus>;
  /**
   * The fleet with each record's etcd key (for a copy kept up to date by the watch), the key's
   * value, its canary and the trials, as one transaction found them: what the dashboard shows.
   */
  readFleetView(): Promise<FleetView>;
  waitForRollout(
    revision: string,
    timeoutMs: number,
    onProgress: (progress: RolloutProgress) => void,
  ): Promise<RolloutResult>;
  /** Reports every change to the key, its canary, trials or the fleet's records, until closed. */
  watchFleet(options: Pick<FleetChangesOptions, 'afterRevision' | 'onChange' | 'onConnectivity'>): {
    close(): Promise<void>;
  };
  /** A dry run across the fleet: creates the trial, waits for the answers, removes it. */
  runTrial(trial: TrialRecord, options: Omit<TrialRunOptions, 'deadlineMs'>): Promise<TrialRun>;
  /** Where an instance stands on a published revision (no etcd call). */
  standing(instance: InstanceStatus, revision: string): RolloutStanding;
  /** The overlays under `<key>/overlays/`, in the order instances merge them. */
  readOverlays(): Promise<StoredOverlay[]>;
  /** The config key and the overlay `name`, as one read found them. */
  readBaseAndOverlay(
    name: string,
  ): Promise<{ base: ConfigKeyValue | undefined; overlay: StoredOverlay | undefined }>;
  /** Writes the overlay `name` if its record is still at `expectedModRevision` (or missing). */
  casPutOverlay(
    name: string,
    text: string,
    expectedModRevision: string | undefined,
  ): Promise<CasPutResult>;
  deleteOverlay(name: string): Promise<{ deleted: StoredOverlay | undefined; revision: string }>;
  /** The etcd key of the overlay `name` (no etcd call). */
  overlayKey(name: string): string;
  /**
   * Reads an overlay record exactly as every instance reads it (no etcd call); throws the
   * ConfigParseError or ConfigValidationError an instance would report, naming `where`.
   */
  readOverlayRecord(text: string, where: string): OverlayRecord;
  /** `K/canary`: create, follow, set, promote, abort. */
  canary: CanaryConnection;
  close(): void;
}

/**
/**
 * Loaded on demand, so that the CLI runs without etcd3 for file-only apps: only publish (and
 * its trials and canaries), rollback, status, overlay, canary and dashboard need it.
 */
async function loadEtcdModules() {
  try {
    const [
      client,
      call,
      reader,
      compact,
      cas,
      fleet,
      fleetView,
      progress,
      rollout,
      trial,
      failure,
      overlayRecord,
      overlayStore,
      fleetChanges,
    ] = await Promise.all([
      import('../../sources/etcd/etcd-client.js'),
      import('../../sources/etcd/bounded-call.js'),
      import('../../sources/etcd/config-key.reader.js'),
      import('../../sources/etcd/compact-revision.js'),
      import('../../sources/etcd/cas-put.js'),
      import('../../sources/etcd/fleet/fleet-status.reader.js'),
      import('../../sources/etcd/fleet/fleet-view.reader.js'),
      import('../../sources/etcd/fleet/rollout-progress.js'),
      import('../../sources/etcd/fleet/rollout.watcher.js'),
      import('../../sources/etcd/fleet/trial.watcher.js'),
      import('../../sources/etcd/etcd-failure.js'),
      import('../../sources/etcd/fleet/overlay-record.js'),
      import('../../sources/etcd/fleet/overlay-record.store.js'),
      import('../../sources/etcd/fleet/fleet-changes.watcher.js'),
    ]);
    return {
      ...client,
      ...call,
      ...reader,
      ...compact,
      ...cas,
      ...fleet,
      ...fleetView,
      ...progress,
      ...rollout,
      ...trial,
      ...failure,
      ...overlayRecord,
      ...overlayStore,
      ...fleetChanges,
    };
  } catch (error) {
    const missing = (error as NodeJS.ErrnoException).code?.endsWith('MODULE_NOT_FOUND');
    if (missing && /\betcd3\b/.test(describeError(error))) {
      throw new CliFailure(ExitCode.Io, cliMessages.etcd3Missing());
    }
    throw error;
  }
}

export async function openEtcdConnection(flags: EtcdFlags): Promise<EtcdConnection> {
  const access = await etcdAccessOf(flags);
  const etcd = await loadEtcdModules();
  const { etcd: hosts, key, dialTimeout } = flags;
  // etcd3 tries a failed call up to 3 times, each on the next member: give each attempt its
  // share of --dial-timeout, so a dead member is failed over within the bound of the step.
  const attemptMs = Math.max(100, Math.floor(dialTimeout / Math.min(hosts.length, 3)));
  // Also what the rollout watch opens its per-member clients with.
  const connection = { hosts, dialTimeoutMs: attemptMs, ...access };
  const client = etcd.createEtcdClient(connection);
  const failure = (error: unknown, what: string, checkWith?: string) =>
    error instanceof ConfigSourceUnavailableError
      ? new CliFailure(
          ExitCode.Unavailable,
          cliMessages.etcdUnavailable(hosts, key, error.message, checkWith),
        )
      : new CliFailure(
          ExitCode.Io,
          [cliMessages.etcdRefused(hosts, key, what, describeError(error)), hintFor(error)]
            .filter(Boolean)
            .join('. '),
        );
  const hintFor = (error: unknown) => {
    const refusal = etcd.refusalOf(error);
    if (refusal === 'credentials') return cliMessages.checkCredentials();
    return refusal === 'permission' ? cliMessages.checkPermission(key) : undefined;
  };
  // `checkWith`: for a write, the command that shows whether it happened after all.
  const step: EtcdStep = async (what, work, checkWith) => {
    try {
      return await etcd.boundedCall(work, { key, what, deadlineMs: dialTimeout });
    } catch (error) {
      throw failure(error, what, checkWith);
    }
  };
  return {
    readKey: () => step('reading the config key', () => etcd.readConfigKey(client, key)),
    readKeyAt: async (revision) => {
      const past = await step(`reading the config key at revision ${revision}`, () =>
        etcd.readConfigKeyAtRevision(client, key, revision),
      );
      if (past.state !== 'compacted') return past;
      // Bounded on its own and never throws: without an answer the message says less.
      const oldestKept = await etcd.compactRevisionOf(client, key, revision, dialTimeout);
      return { state: 'compacted', oldestKept };
    },
    casPut: (text, expected, guard) =>
      step(
        'writing the config key',
        () => etcd.casPut(client, key, text, expected, guard),
        'status',
      ),
    readFleet: () => step('reading the fleet status', () => etcd.readFleetStatus(client, key)),
    readFleetView: () => step('reading the fleet', () => etcd.readFleetView(client, key)),
    waitForRollout: async (revision, timeoutMs, onProgress) => {
      try {
        return await etcd.waitForRollout(client, key, revision, {
          timeoutMs,
          deadlineMs: dialTimeout,
          connection,
          onProgress,
        });
      } catch (error) {
        throw failure(error, 'watching the fleet status');
      }
    },
    watchFleet: (options) =>
      etcd.watchFleetChanges(client, key, { ...options, deadlineMs: dialTimeout, connection }),
    runTrial: async (trial, options) => {
      try {
        return await etcd.runTrial(client, key, trial, {
          ...options,
          deadlineMs: dialTimeout,
          connection,
        });
      } catch (error) {
        throw failure(error, 'trying the config on the fleet');
      }
    },
    standing: (instance, revision) => etcd.rolloutStanding(instance, revision),
    readOverlays: () => step('reading the overlays', () => etcd.readOverlays(client, key)),
    readBaseAndOverlay: (name) =>
      step('reading the config key and the overlay', () =>
        etcd.readBaseAndOverlay(client, key, name),
      ),
    casPutOverlay: (name, text, expected) =>
      step(
        'writing the overlay',
        () => etcd.casPut(client, etcd.overlayKey(key, name), text, expected),
        'overlay list',
      ),
    deleteOverlay: (name) =>
      step('deleting the overlay', () => etcd.deleteOverlay(client, key, name), 'overlay list'),
    overlayKey: (name) => etcd.overlayKey(key, name),
    readOverlayRecord: (text, where) => etcd.readOverlayRecord(text, where),
    canary: await canaryConnection(client, key, step, failure, {
      deadlineMs: dialTimeout,
      connection,
    }),
    close: () => client.close(),
  };
}
