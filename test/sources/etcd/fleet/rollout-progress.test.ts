import { describe, expect, it } from 'vitest';
import type { InstanceStatus } from '../../../../lib/sources/etcd/fleet/instance-status.js';
import {
  compareRevisions,
  rolloutProgress,
  rolloutStanding,
} from '../../../../lib/sources/etcd/fleet/rollout-progress.js';
import { statusRecordOf } from '../../../support/status-record.fixture.js';

const instance = (
  instanceId: string,
  revision: string,
  state: InstanceStatus['state'],
): InstanceStatus => ({
  ...statusRecordOf(instanceId, revision, state),
  ...(state === 'rejected' ? { error: { code: 'CONFIG_REJECTED', message: 'no' } } : {}),
});

describe('rollout progress', () => {
  it('compares revisions as int64 numbers, not as strings', () => {
    expect(compareRevisions('9', '10')).toBe(-1);
    expect(compareRevisions('10', '10')).toBe(0);
    expect(compareRevisions('9007199254740993', '9007199254740992')).toBe(1);
  });

  it('counts an instance on that revision or a later one by its state, staged as behind', () => {
    expect(rolloutStanding(instance('a', '42', 'applied'), '42')).toBe('applied');
    expect(rolloutStanding(instance('a', '43', 'applied'), '42')).toBe('applied');
    expect(rolloutStanding(instance('a', '42', 'rejected'), '42')).toBe('rejected');
    expect(rolloutStanding(instance('a', '42', 'staged'), '42')).toBe('behind');
    expect(rolloutStanding(instance('a', '41', 'applied'), '42')).toBe('behind');
    // An old rejection says nothing about the new revision.
    expect(rolloutStanding(instance('a', '41', 'rejected'), '42')).toBe('behind');
  });

  it('is complete only when every live instance applied it', () => {
    const done = rolloutProgress(
      [instance('a', '42', 'applied'), instance('b', '43', 'applied')],
      '42',
    );
    expect(done).toMatchObject({ settled: true, complete: true, behind: [], rejected: [] });
  });

  it('is settled but not complete when some rejected it and every other one decided', () => {
    const progress = rolloutProgress(
      [instance('a', '42', 'applied'), instance('b', '42', 'rejected')],
      '42',
    );
    expect(progress).toMatchObject({ settled: true, complete: false });
    expect(progress.rejected.map((status) => status.instanceId)).toEqual(['b']);
  });

  it('keeps waiting while anyone is behind, even after a rejection', () => {
    const progress = rolloutProgress(
      [
        instance('a', '42', 'rejected'),
        instance('b', '41', 'applied'),
        instance('c', '42', 'staged'),
      ],
      '42',
    );
    expect(progress.settled).toBe(false);
    expect(progress.behind.map((status) => status.instanceId)).toEqual(['b', 'c']);
  });

  it('keeps waiting on a veto, which the instance judges again, and names it apart', () => {
    expect(rolloutStanding(instance('a', '42', 'vetoed'), '42')).toBe('vetoed');
    // A veto of an older revision says nothing about the new one.
    expect(rolloutStanding(instance('a', '41', 'vetoed'), '42')).toBe('behind');
    const progress = rolloutProgress(
      [instance('a', '42', 'applied'), instance('b', '42', 'vetoed')],
      '42',
    );
    expect(progress).toMatchObject({ settled: false, complete: false, rejected: [], behind: [] });
    expect(progress.vetoed.map((status) => status.instanceId)).toEqual(['b']);
  });

  it('has nothing to wait for with no live instance', () => {
    expect(rolloutProgress([], '42')).toMatchObject({ settled: true, complete: true });
  });
});
