import { Etcd3 } from 'etcd3';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { WatchMembers } from '../../../lib/sources/etcd/watch-members.js';

const HOSTS = ['http://127.0.0.1:1', 'http://127.0.0.1:2', 'http://127.0.0.1:3'];

describe('the member a watch stream goes to', () => {
  // Clients connect lazily: none of these ever dials, so no server is needed.
  const shared = new Etcd3({ hosts: HOSTS });
  const opened: WatchMembers[] = [];
  afterEach(() => opened.splice(0).forEach((members) => members.close()));
  afterAll(() => shared.close());
  const membersOf = (hosts: string | string[], random?: () => number) => {
    const members = new WatchMembers(shared, { hosts }, random);
    opened.push(members);
    return members;
  };
  const picks = (members: WatchMembers, count = 300) =>
    new Set(Array.from({ length: count }, () => members.next().url));

  it('spreads over every member while none has failed', () => {
    expect(picks(membersOf(HOSTS))).toEqual(new Set(HOSTS));
  });

  it('never goes back to a member whose stream failed while another is trusted', () => {
    const members = membersOf(HOSTS);
    members.failed(HOSTS[0]!);
    expect(picks(members)).toEqual(new Set([HOSTS[1], HOSTS[2]]));
    members.failed(HOSTS[2]!);
    expect(picks(members)).toEqual(new Set([HOSTS[1]]));
  });

  it('with every member failed, tries the one that failed the longest ago', () => {
    const members = membersOf(HOSTS);
    for (const url of [HOSTS[1]!, HOSTS[0]!, HOSTS[2]!]) members.failed(url);
    expect(members.next().url).toBe(HOSTS[1]);
    members.failed(HOSTS[1]!); // failed again: now the most recent
    expect(members.next().url).toBe(HOSTS[0]);
  });

  it('trusts a member again once a watch on it worked', () => {
    const members = membersOf(HOSTS);
    members.failed(HOSTS[0]!);
    members.worked(HOSTS[0]!);
    expect(picks(members)).toEqual(new Set(HOSTS));
  });

  it('gives each member a client of its own, opened once, and closes them all', async () => {
    const members = membersOf(HOSTS, () => 0);
    const first = members.next();
    expect(first.client).not.toBe(shared);
    expect(members.next().client).toBe(first.client);
    members.close();
    await expect(first.client.watchClient.watch()).rejects.toThrow(/already closed/);
  });

  it('uses the shared client when there is no member to choose', () => {
    expect(membersOf('http://127.0.0.1:1').next().client).toBe(shared);
    expect(new WatchMembers(shared).next().client).toBe(shared);
  });
});
