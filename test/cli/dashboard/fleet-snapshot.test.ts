import { describe, expect, it } from 'vitest';
import {
  fleetSnapshot,
  type GoneInstance,
  type SnapshotInput,
} from '../../../lib/cli/dashboard/fleet.snapshot.js';
import type { StoredTrial } from '../../../lib/sources/etcd/fleet/fleet-view.reader.js';
import type { InstanceStatus } from '../../../lib/sources/etcd/fleet/instance-status.js';
import { rolloutStanding } from '../../../lib/sources/etcd/fleet/rollout-progress.js';
import { bucketOf } from '../../../lib/sources/fleet/selector.js';
import { statusRecordOf } from '../../support/status-record.fixture.js';

const KEY = '/bots/trend';
const CREATED = '2026-01-01T10:00:00.000Z';

const canaryOf = (fields: { id: string; match: object }): SnapshotInput['canary'] => ({
  text: '',
  modRevision: '8',
  record: {
    candidate: '{}',
    baseRevision: '5',
    abortOnReject: true,
    createdAt: CREATED,
    ...fields,
  },
});

function snapshotOf(instances: InstanceStatus[], more: Partial<SnapshotInput> = {}) {
  return fleetSnapshot({
    fleet: { key: KEY, publishedRevision: '5', instances, revision: '9' },
    trials: [],
    canary: undefined,
    canaryDiff: [],
    gone: [],
    history: [],
    standing: rolloutStanding,
    etcdConnected: true,
    actions: false,
    now: Date.parse(CREATED),
    ...more,
  });
}

const gone = (instance: InstanceStatus, at: string): GoneInstance => ({
  instanceId: instance.instanceId,
  at,
  last: instance,
});

// What the page and `/metrics` are built from: the fleet's records, the canary and the trials as
// one read (and the watch) found them.
describe('fleetSnapshot', () => {
  it('names every instance that differs, and why, and counts the fleet by revision', () => {
    const snapshot = snapshotOf([
      statusRecordOf('bot-1', '5', 'applied'),
      statusRecordOf('bot-2', '4', 'applied'),
      statusRecordOf('bot-3', '5', 'staged'),
      { ...statusRecordOf('bot-4', '5', 'rejected'), error: { code: 'E', message: 'bad' } },
    ]);
    expect(snapshot.banner.map(({ instanceId, why }) => `${instanceId} ${why}`)).toEqual([
      'bot-2 behind',
      'bot-3 staged',
      'bot-4 rejected',
    ]);
    expect(snapshot.banner[0]!.detail).toBe('on revision 4, behind the published 5');
    expect(snapshot.banner[1]!.detail).toBe('holds revision 5 staged, not applied yet');
    expect(snapshot.revisions).toEqual([
      { revision: '5', count: 3 },
      { revision: '4', count: 1 },
    ]);
    expect(snapshot.counts).toEqual({ applied: 1, rejected: 1, vetoed: 0, staged: 1, behind: 1 });
  });

  it("lists every instance a trial asks before it answers, by the trial's selector", () => {
    const trials: StoredTrial[] = [{ id: 't-1', match: { labels: { region: 'eu' } } }];
    const eu = (id: string) => ({
      ...statusRecordOf(id, '5', 'applied'),
      labels: { region: 'eu' },
    });
    const snapshot = snapshotOf(
      [
        { ...eu('bot-1'), trial: { id: 't-1', state: 'accepted' } },
        eu('bot-2'),
        statusRecordOf('bot-3', '5', 'applied'),
      ],
      { trials },
    );
    expect(snapshot.trials).toEqual([
      {
        id: 't-1',
        match: 'region=eu',
        answers: [
          { instanceId: 'bot-1', state: 'accepted' },
          { instanceId: 'bot-2', state: 'unanswered' },
        ],
      },
    ]);
  });

  it('asks the share of the fleet a percentage draws with the trial id as its seed', () => {
    const ids = Array.from({ length: 40 }, (_, n) => `bot-${String(n).padStart(2, '0')}`);
    const instances = ids.map((id) => statusRecordOf(id, '5', 'applied'));
    const asked = (id: string) =>
      snapshotOf(instances, { trials: [{ id, match: { percent: 50 } }] }).trials[0]!.answers.map(
        (answer) => answer.instanceId,
      );
    expect(asked('t-a')).toEqual(ids.filter((id) => bucketOf('t-a', id) < 50));
    expect(asked('t-b')).toEqual(ids.filter((id) => bucketOf('t-b', id) < 50));
    expect(asked('t-a')).not.toEqual(asked('t-b'));
  });

  it('shows why a trial record is unreadable, masked, and that every instance is asked', () => {
    const trials: StoredTrial[] = [
      { id: 't-2', unreadable: 'bad JSON near postgres://app:hunter2@db' },
    ];
    const [trial] = snapshotOf([statusRecordOf('bot-1', '5', 'applied')], { trials }).trials;
    expect(trial!.unreadable).toBe('bad JSON near postgres://app:[REDACTED]@db');
    expect(JSON.stringify(trial)).not.toContain('hunter2');
    expect(trial!.answers).toEqual([{ instanceId: 'bot-1', state: 'unanswered' }]);
  });

  it('keeps the answers to a trial whose record it has not read, with no selector', () => {
    const answering = {
      ...statusRecordOf('bot-1', '5', 'applied'),
      trial: { id: 't-3', state: 'rejected' as const, error: { code: 'E', message: 'no' } },
    };
    expect(snapshotOf([answering]).trials).toEqual([
      {
        id: 't-3',
        match: null,
        answers: [{ instanceId: 'bot-1', state: 'rejected', error: { code: 'E', message: 'no' } }],
      },
    ]);
  });

  it('shows a canary member whose record vanished after the canary began as gone', () => {
    const eu = (id: string) => ({
      ...statusRecordOf(id, '5', 'applied'),
      labels: { region: 'eu' },
    });
    const [live, left, leftBefore] = [eu('bot-1'), eu('bot-2'), eu('bot-0')];
    const other = { ...statusRecordOf('bot-3', '5', 'applied'), labels: { region: 'us' } };
    const snapshot = snapshotOf([live], {
      canary: canaryOf({ id: 'c-1', match: { labels: { region: 'eu' } } }),
      gone: [
        gone(left, '2026-01-01T10:00:05.000Z'),
        gone(leftBefore, '2026-01-01T09:59:00.000Z'),
        gone(other, '2026-01-01T10:00:06.000Z'),
      ],
    });
    expect(snapshot.canary!.members).toEqual([
      { instanceId: 'bot-1', state: 'behind' },
      { instanceId: 'bot-2', state: 'gone' },
    ]);
    // The banner names every record that vanished, member or not.
    expect(snapshot.banner.map(({ instanceId, why }) => `${instanceId} ${why}`)).toEqual([
      'bot-2 disconnected',
      'bot-0 disconnected',
      'bot-3 disconnected',
    ]);
  });
});
