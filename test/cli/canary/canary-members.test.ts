import { describe, expect, it } from 'vitest';
import { CanaryMembers, memberState } from '../../../lib/cli/canary/canary-members.js';
import type { CanaryRecord } from '../../../lib/sources/fleet/canary-record.js';
import type { InstanceStatus } from '../../../lib/sources/etcd/fleet/instance-status.js';

const record = (match: CanaryRecord['match']): CanaryRecord => ({
  id: 'c-1',
  candidate: '{}',
  baseRevision: '10',
  match,
  abortOnReject: true,
  createdAt: '2026-01-01T00:00:00Z',
});

const status = (
  instanceId: string,
  state: InstanceStatus['state'],
  revision: string,
  canary?: string,
  labels: Record<string, string> = {},
): InstanceStatus => ({
  instanceId,
  hostname: 'h',
  pid: 1,
  name: 'default',
  labels,
  version: 1,
  revision,
  hash: '',
  variant: canary === undefined ? { overlays: [] } : { canary, overlays: [] },
  state,
  updatedAt: '',
});

const live = (...records: InstanceStatus[]) => new Map(records.map((r) => [r.instanceId, r]));

describe('canary members', () => {
  it('counts a record only when it is about this canary, applied or staged at its revision', () => {
    expect(memberState(status('a', 'applied', '12', 'c-1'), 'c-1', '12')).toBe('applied');
    expect(memberState(status('a', 'staged', '12', 'c-1'), 'c-1', '12')).toBe('staged');
    expect(memberState(status('a', 'applied', '11', 'c-1'), 'c-1', '12')).toBe('behind');
    expect(memberState(status('a', 'applied', '12'), 'c-1', '12')).toBe('behind');
    expect(memberState(status('a', 'applied', '12', 'c-0'), 'c-1', '12')).toBe('behind');
    expect(memberState(status('a', 'rejected', '11', 'c-1'), 'c-1', '12')).toBe('rejected');
    expect(memberState(status('a', 'vetoed', '12', 'c-1'), 'c-1', '12')).toBe('vetoed');
    expect(memberState(status('a', 'rejected', '12'), 'c-1', '12')).toBe('behind');
  });

  it('selects members by label, keeps a failure for good, and marks a vanished member gone', () => {
    const members = new CanaryMembers('c-1');
    expect(members.allApplied).toBe(false);
    const canary = record({ labels: { symbol: 'BTC' } });
    const btc = (id: string, state: InstanceStatus['state'], canaryId?: string) =>
      status(id, state, '12', canaryId, { symbol: 'BTC' });
    members.see(
      canary,
      '12',
      live(btc('a', 'applied', 'c-1'), btc('b', 'applied'), status('e', 'applied', '12')),
      [],
    );
    expect(members.all().map((m) => [m.instance.instanceId, m.state])).toEqual([
      ['a', 'applied'],
      ['b', 'behind'],
    ]);
    expect(members.allApplied).toBe(false);
    members.see(canary, '12', live(btc('a', 'rejected', 'c-1'), btc('b', 'applied', 'c-1')), []);
    members.see(canary, '12', live(btc('a', 'applied', 'c-1'), btc('b', 'applied', 'c-1')), []);
    expect(members.failed.map((m) => [m.instance.instanceId, m.state])).toEqual([
      ['a', 'rejected'],
    ]);
    const changed = members.see(canary, '12', live(btc('a', 'applied', 'c-1')), ['b']);
    expect(changed.map((m) => [m.instance.instanceId, m.state])).toEqual([['b', 'gone']]);
  });

  it('drops a member a narrower selector leaves out, and seeds a percentage with the id', () => {
    const members = new CanaryMembers('c-1');
    const fleet = live(
      ...Array.from({ length: 40 }, (_, i) => status(`bot-${i}`, 'applied', '12')),
    );
    members.see(record({}), '12', fleet, []);
    expect(members.all()).toHaveLength(40);
    members.see(record({ percent: 50 }), '12', fleet, []);
    const half = members.all().length;
    expect(half).toBeGreaterThan(5);
    expect(half).toBeLessThan(35);
    members.see(record({ percent: [0, 50] }), '12', fleet, []);
    expect(members.all()).toHaveLength(half);
  });
});
