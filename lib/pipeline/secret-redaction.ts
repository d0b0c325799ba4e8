/**
 * Keys whose values are never written to logs, audit records or change details. Matching is
 * case-insensitive and ignores `_` and `-`, on any part of the key: `exchangeApiKey`,
 * `DB_PASSWORD` and `oauth-token` all match.
 */
export const DEFAULT_SECRET_KEYS: readonly (string | RegExp)[] = [
  'password',
  'passwd',
  'passphrase',
  'secret',
  'token',
  'apikey',
  'privatekey',
  'credential',
];

export const REDACTED = '[REDACTED]';

export type SecretKeyMatcher = (key: string) => boolean;

const normalize = (text: string) => text.toLowerCase().replace(/[-_]/g, '');

export function createSecretKeyMatcher(
  keys: readonly (string | RegExp)[] = DEFAULT_SECRET_KEYS,
): SecretKeyMatcher {
  const fragments = keys.filter((key): key is string => typeof key === 'string').map(normalize);
  const patterns = keys.filter((key): key is RegExp => key instanceof RegExp);
  return (key) => {
    const normalized = normalize(key);
    return (
      fragments.some((fragment) => normalized.includes(fragment)) ||
      patterns.some((pattern) => pattern.test(key))
    );
  };
}

/** True when any segment of a dotted path is a secret key: the value there is secret. */
export function isSecretPath(path: string, isSecretKey: SecretKeyMatcher): boolean {
  return path.split('.').some((segment) => isSecretKey(segment));
}

/** A deep copy of `value` with every value under a secret key replaced by `[REDACTED]`. */
export function redactSecrets(value: unknown, isSecretKey: SecretKeyMatcher): unknown {
  if (Array.isArray(value)) return value.map((item) => redactSecrets(item, isSecretKey));
  if (value === null || typeof value !== 'object') return value;
  const copy: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(value)) {
    copy[key] = isSecretKey(key) ? REDACTED : redactSecrets(inner, isSecretKey);
  }
  return copy;
}
