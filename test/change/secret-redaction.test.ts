import { describe, expect, it } from 'vitest';
import { redactChanges } from '../../lib/change/config.diff.js';
import {
  createSecretKeyMatcher,
  DEFAULT_SECRET_KEYS,
  maskSecretsInText,
  redactPath,
  redactSecrets,
} from '../../lib/change/secret-redaction.js';

const isSecret = createSecretKeyMatcher();

describe('which keys are secret', () => {
  it('covers what Spring Boot and the common redaction lists cover, as a word ending', () => {
    for (const key of [
      'password',
      'DB_PASSWORD',
      'passwd',
      'redisPass',
      'pass',
      'pwd',
      'apiSecret',
      'client-secret',
      'authToken',
      'apiKey',
      'signingKey',
      'hmacKey',
      'x-api-key',
      'privateKey',
      'private',
      'credentials',
      'credential',
      'auth',
      'Authorization',
      'bearer',
      'jwt',
      'session',
      'cookie',
      'dsn',
      'connectionString',
      'connection_string',
      'mnemonic',
      'seed',
      'otp',
      'pin',
      'VCAP_SERVICES',
      'apiTokens',
      'apiKeys',
      'HTTPToken',
    ]) {
      expect(isSecret(key), key).toBe(true);
    }
  });

  it('leaves keys that only contain such a word alone', () => {
    for (const key of [
      'keyboard',
      'apiKeyId',
      'passwordPolicy',
      'tokenizer',
      'maxTokens',
      'numKeys',
      'sessionTimeout',
      'authMode',
      'bypass',
      'pinned',
      'spin',
      'stopLoss',
      'monkey',
    ]) {
      expect(isSecret(key), key).toBe(false);
    }
  });

  it('matches a RegExp without its g or y state, so two matching keys in a row are both found', () => {
    for (const flags of ['g', 'y', 'gi']) {
      const matcher = createSecretKeyMatcher([/^wallet/i, new RegExp('^seedPhrase$', flags)]);
      expect([matcher('seedPhrase'), matcher('seedPhrase'), matcher('seedPhrase')]).toEqual([
        true,
        true,
        true,
      ]);
    }
    const sticky = createSecretKeyMatcher([...DEFAULT_SECRET_KEYS, /code/g]);
    const redacted = redactSecrets({ a: { code: 'one' }, b: { code: 'two' } }, sticky);
    expect(JSON.stringify(redacted)).not.toMatch(/one|two/);
  });
});

describe('what a secret looks like once redacted', () => {
  it('hides key names below a secret key in a path', () => {
    expect(redactPath('apiTokens.tok_live_abc.scope', isSecret)).toBe('apiTokens.[REDACTED]');
    expect(redactPath('exchange.apiKey', isSecret)).toBe('exchange.apiKey');
    expect(redactPath('strategies.1.risk', isSecret)).toBe('strategies.1.risk');
  });

  it('masks the password of a URL and a bearer token inside any string', () => {
    expect(maskSecretsInText('postgres://app:hunter2@db:5432/bots')).toBe(
      'postgres://app:[REDACTED]@db:5432/bots',
    );
    expect(maskSecretsInText('see https://u:p%40ss@host/x and redis://:pw@cache')).toBe(
      'see https://u:[REDACTED]@host/x and redis://:[REDACTED]@cache',
    );
    expect(maskSecretsInText('Authorization: Bearer eyJhbGciOi.eyJzdWIi.sig-_')).toBe(
      'Authorization: Bearer [REDACTED]',
    );
    expect(maskSecretsInText('https://host/path?q=1')).toBe('https://host/path?q=1');
  });

  it('redacts changes: secret values, credentials inside other values, names below secret keys', () => {
    const changes = redactChanges(
      [
        {
          path: 'db.url',
          oldValue: 'postgres://app:old-pw@db',
          newValue: 'postgres://app:new-pw@db',
        },
        { path: 'headers.Authorization', oldValue: undefined, newValue: 'Bearer abc.def' },
        { path: 'apiTokens.tok_live_1', oldValue: 'a', newValue: undefined },
        { path: 'apiTokens.tok_live_2', oldValue: undefined, newValue: 'b' },
        {
          path: 'sentry.dsn',
          oldValue: 'https://k@o1.ingest/1',
          newValue: 'https://j@o1.ingest/1',
        },
        { path: 'wallet.mnemonic', oldValue: 'abandon ability', newValue: 'able about' },
        { path: 'limits.maxTokens', oldValue: 1000, newValue: 2000 },
      ],
      isSecret,
    );
    expect(changes).toEqual([
      {
        path: 'db.url',
        oldValue: 'postgres://app:[REDACTED]@db',
        newValue: 'postgres://app:[REDACTED]@db',
      },
      { path: 'headers.Authorization', oldValue: undefined, newValue: '[REDACTED]' },
      { path: 'apiTokens.[REDACTED]', oldValue: '[REDACTED]', newValue: '[REDACTED]' },
      { path: 'sentry.dsn', oldValue: '[REDACTED]', newValue: '[REDACTED]' },
      { path: 'wallet.mnemonic', oldValue: '[REDACTED]', newValue: '[REDACTED]' },
      { path: 'limits.maxTokens', oldValue: 1000, newValue: 2000 },
    ]);
  });
});
