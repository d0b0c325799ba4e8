import type { ConfigChange } from '../../change/config.diff.js';
import { validatedText } from '../check/pipeline.loader.js';
import type { ConfigKeyValue } from '../../sources/etcd/config-key.reader.js';
import type { FleetChange } from '../../sources/etcd/fleet/fleet-changes.watcher.js';
import type { FleetView } from '../../sources/etcd/fleet/fleet-view.reader.js';
import type { InstanceStatus } from '../../sources/etcd/fleet/instance-status.js';
import { redactedChanges } from '../check/diff.format.js';
import type { EtcdConnection } from '../etcd/etcd.connection.js';
import { fleetSnapshot, type DashboardSnapshot, type GoneInstance } from './fleet.snapshot.js';
import { BurstTimer } from './burst.timer.js';
import { FleetRecords } from './fleet.records.js';
import { KeyHistory } from './key.history.js';
import { snapshotJson } from './snapshot.json.js';

export interface FleetFeedOptions {
  secretKeys: readonly string[];
  actions: boolean;
  /**
   * Status records reach the page once their burst (a rollout) pauses this long, and at least
   * every `maxWaitMs` while it lasts: a few snapshots per burst, not one per record.
   */
  quietMs?: number;
  maxWaitMs?: number;
  /** Any other change is read whole this long after it: a few at once take one read. */
  readDelayMs?: number;
  /** How soon to read again after etcd did not answer. */
  retryMs?: number;
}

/** How many vanished instances the banner keeps naming (the latest ones). */
const MAX_GONE = 50;

/**
 * The fleet as the page sees it: read whole on start, then each status record the watch reports
 * applied to it; read whole again after any other change (the key, the canary, a trial, a
 * compaction) and when the watch is back after a loss. Handed to every subscriber when it
 * differs from the last one.
 */
export class FleetFeed {
  private snapshot: DashboardSnapshot | undefined;
  private text = '';
  private json: string | undefined;
  private readonly records = new FleetRecords();
  /** What the last whole read found besides the records. */
  private keyParts: Pick<FleetView, 'key' | 'publishedRevision' | 'revision' | 'trials'> & {
    canary: FleetView['canary'];
    canaryDiff: ConfigChange[];
  } = {
    key: '',
    publishedRevision: undefined,
    revision: '0',
    canary: undefined,
    canaryDiff: [],
    trials: [],
  };
  private readonly listeners = new Set<(snapshot: DashboardSnapshot) => void>();
  private readonly gone = new Map<string, GoneInstance>();
  /** The records of the last snapshot, by instance id. */
  private lastLive = new Map<string, InstanceStatus>();
  private watch: { close(): Promise<void> } | undefined;
  private timer: NodeJS.Timeout | undefined;
  private readonly recordsChanged: BurstTimer;
  private reading: Promise<void> | undefined;
  private again = false;
  private connected = true;
  private closed = false;
  private diffFor: { at: string; diff: ConfigChange[] } | undefined;
  /** The key's earlier values, for the diff between any two. */
  readonly history: KeyHistory;

  constructor(
    private readonly etcd: EtcdConnection,
    private readonly options: FleetFeedOptions,
  ) {
    this.history = new KeyHistory(etcd, options.secretKeys);
    this.recordsChanged = new BurstTimer(
      () => this.build(),
      options.quietMs ?? 20,
      options.maxWaitMs ?? 100,
    );
  }

  /** Reads the fleet once (an etcd failure ends the command) and follows it from there. */
  async start(): Promise<void> {
    const fleet = await this.read();
    this.watch = this.etcd.watchFleet({
      afterRevision: fleet.revision,
      onChange: (change) => this.apply(change),
      // Lost or back: a whole read says what holds (and whether etcd answers).
      onConnectivity: (connected) => {
        this.connected = connected;
        this.changed();
      },
    });
  }

  get current(): DashboardSnapshot {
    if (!this.snapshot) throw new Error('the fleet feed was not started');
    return this.snapshot;
  }

  /** The current snapshot as the page reads it (made once per snapshot, for every reader). */
  get currentJson(): string {
    this.json ??= snapshotJson(this.current);
    return this.json;
  }

  subscribe(listener: (snapshot: DashboardSnapshot) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    this.recordsChanged.cancel();
    this.listeners.clear();
    await this.watch?.close();
    await this.reading;
  }

  private apply(change: FleetChange): void {
    if (change.kind !== 'record') return this.changed();
    this.records.apply(change);
    if (!this.closed) this.recordsChanged.poke();
  }

  private changed(delayMs = this.options.readDelayMs ?? 20): void {
    if (this.closed || this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.readSoon();
    }, delayMs);
  }

  /** One read at a time; a change during a read means one more read after it. */
  private async readSoon(): Promise<void> {
    if (this.reading) {
      this.again = true;
      return;
    }
    this.reading = this.read().then(
      () => undefined,
      () => {
        // etcd did not answer: say so on the page and try again.
        this.publish({ ...this.current, etcdConnected: false });
        this.changed(this.options.retryMs ?? 2000);
      },
    );
    await this.reading;
    this.reading = undefined;
    if (this.again) {
      this.again = false;
      this.changed();
    }
  }

  private async read(): Promise<FleetView> {
    this.records.readStarted();
    let fleet;
    try {
      fleet = await this.etcd.readFleetView();
    } catch (error) {
      this.records.readFailed();
      throw error;
    }
    const { key, publishedRevision, revision, trials, base, canary } = fleet;
    if (!this.snapshot) await this.history.backfill(base);
    this.history.note(base);
    const canaryDiff = await this.canaryDiff(base, canary);
    // No await from here on: a snapshot made meanwhile would mix this read with the last one.
    this.records.replace(fleet);
    this.keyParts = { key, publishedRevision, revision, canary, canaryDiff, trials };
    this.build();
    return fleet;
  }

  /** The snapshot of the records as they stand and what the last whole read found. */
  private build(): void {
    const { canary, canaryDiff, trials, ...fleet } = this.keyParts;
    const instances = this.records.instances();
    this.noteGone(instances);
    this.publish(
      fleetSnapshot({
        fleet: { ...fleet, instances },
        trials,
        canary,
        canaryDiff,
        gone: [...this.gone.values()],
        history: this.history.revisions(),
        standing: (instance, revision) => this.etcd.standing(instance, revision),
        etcdConnected: this.connected,
        actions: this.options.actions,
        now: Date.now(),
      }),
    );
  }

  /** Records that vanished since the last snapshot are named until they come back. */
  private noteGone(instances: readonly InstanceStatus[]): void {
    const live = new Map(instances.map((instance) => [instance.instanceId, instance]));
    const at = new Date().toISOString();
    for (const [id, last] of this.lastLive) {
      if (!live.has(id)) this.gone.set(id, { instanceId: id, at, last });
    }
    for (const id of live.keys()) this.gone.delete(id);
    while (this.gone.size > MAX_GONE) this.gone.delete(this.gone.keys().next().value!);
    this.lastLive = live;
  }

  /** The candidate against the base, redacted; parsed again only when either changed. */
  private async canaryDiff(
    base: ConfigKeyValue | undefined,
    canary: FleetView['canary'],
  ): Promise<ConfigChange[]> {
    if (!canary?.record) return [];
    const at = `${base?.modRevision ?? '-'}:${canary.modRevision}`;
    if (this.diffFor?.at === at) return this.diffFor.diff;
    const parsed = async (text: string | undefined) =>
      text === undefined
        ? {}
        : validatedText(text, 'etcd', {}).then(
            (checked) => checked.plain,
            () => ({}), // unparseable: no diff to show (instances report why)
          );
    const diff = redactedChanges(
      await parsed(base?.text),
      await parsed(canary.record.candidate),
      this.options.secretKeys,
    );
    this.diffFor = { at, diff };
    return diff;
  }

  private publish(snapshot: DashboardSnapshot): void {
    const text = JSON.stringify({ ...snapshot, rows: snapshot.rows.map(withoutAge) });
    this.snapshot = snapshot;
    this.json = undefined;
    // A record rewritten with nothing new but its time is no news for the page.
    if (text === this.text) return;
    this.text = text;
    for (const listener of this.listeners) listener(snapshot);
  }
}

const withoutAge = <T extends { ageMs: unknown }>({ ageMs: _ignored, ...row }: T) => row;
