import { afterEach, describe, expect, it, vi } from 'vitest';
import { instanceIdentityOf } from '../../lib/sources/instance-identity.js';

describe('instanceIdentityOf', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  it('takes the app version npm start sets when none is given, and a given one over it', () => {
    vi.stubEnv('npm_package_version', '2.3.1');
    expect(instanceIdentityOf('bot-1', undefined).appVersion).toBe('2.3.1');
    expect(instanceIdentityOf('bot-1', undefined, '2.4.0').appVersion).toBe('2.4.0');
  });

  it('leaves out a version a dashboard could not show on one line', () => {
    vi.stubEnv('npm_package_version', '1.0\n  bot-x  applied');
    expect(instanceIdentityOf('bot-1', undefined)).not.toHaveProperty('appVersion');
    expect(instanceIdentityOf('bot-1', undefined, 'x'.repeat(65))).not.toHaveProperty('appVersion');
    vi.stubEnv('npm_package_version', '');
    expect(instanceIdentityOf('bot-1', undefined)).not.toHaveProperty('appVersion');
  });

  it('freezes a copy of the labels: a caller that changes its object later changes nothing', () => {
    const labels = { symbol: 'BTC' };
    const identity = instanceIdentityOf('bot-1', labels);
    labels.symbol = 'ETH';
    expect(identity.labels).toEqual({ symbol: 'BTC' });
    expect(Object.isFrozen(identity.labels)).toBe(true);
  });
});
