import { describe, expect, it } from 'vitest';
import { cliMessages } from '../../lib/cli/shared/cli.messages.js';
import { credentialsInUrls, shownHosts, withoutUserInfo } from '../../lib/sources/etcd-hosts.js';
import { etcdMessages } from '../../lib/sources/etcd/etcd.messages.js';

describe('etcd client URLs with user-info', () => {
  it('shows a URL without its user-info, whatever the password holds', () => {
    expect(withoutUserInfo('http://bot:s3cret@10.0.0.1:2379')).toBe('http://10.0.0.1:2379');
    expect(withoutUserInfo('https://bot@10.0.0.1:2379')).toBe('https://10.0.0.1:2379');
    expect(withoutUserInfo('bot:s3cret@10.0.0.1:2379')).toBe('10.0.0.1:2379');
    // An unescaped '@' or '/' in the password: everything up to the last '@' goes.
    expect(withoutUserInfo('http://bot:a@b/c@10.0.0.1:2379')).toBe('http://10.0.0.1:2379');
    expect(withoutUserInfo('http://10.0.0.1:2379')).toBe('http://10.0.0.1:2379');
    expect(shownHosts(['http://a:x@h1:1', 'http://h2:2'])).toBe('http://h1:1, http://h2:2');
  });

  it('takes the first user-info as credentials, percent-decoded', () => {
    expect(credentialsInUrls(['http://h1:1', 'http://bot:p%40ss%3Aw@h2:2'])).toEqual({
      username: 'bot',
      password: 'p@ss:w',
    });
    expect(credentialsInUrls(['http://bot@h1:1'])).toEqual({ username: 'bot', password: '' });
    expect(credentialsInUrls(['http://h1:1'])).toBeUndefined();
  });

  it('never puts the user-info into a message of the source or the CLI', () => {
    const hosts = ['http://bot:s3cret@10.0.0.1:2379'];
    for (const message of [
      etcdMessages.unavailable('etcd:/k', hosts, 'down'),
      etcdMessages.watchLost('etcd:/k', hosts, 'down'),
      etcdMessages.refused('etcd:/k', hosts, 'no'),
      etcdMessages.unavailableAtStart('etcd:/k', hosts, 'down'),
      cliMessages.etcdUnavailable(hosts, '/k', 'down', 'status'),
      cliMessages.etcdRefused(hosts, '/k', 'reading', 'no'),
    ]) {
      expect(message).toContain('http://10.0.0.1:2379');
      expect(message).not.toMatch(/s3cret|bot:/);
    }
  });
});
