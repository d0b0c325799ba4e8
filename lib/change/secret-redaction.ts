/**
 * Names whose values are never written to logs, audit records, status records, errors or change
 * details: what Spring Boot's sanitizer and the common redaction lists cover. A name matches when
 * the key ends with it as whole words, case and separators aside (`DB_PASSWORD`,
 * `exchangeApiKey`, `x-auth-token`, `hmacKey`, `sentry.dsn`, `apiTokens`), so that `keyboard`,
 * `apiKeyId`, `passwordPolicy`, `tokenizer` and `maxTokens` stay visible.
 */
export const DEFAULT_SECRET_KEYS: readonly (string | RegExp)[] = [
  'password',
  'passwd',
  'pass',
  'pwd',
  'passphrase',
  'secret',
  'token',
  'key',
  'private',
  'credential',
  'credentials',
  'auth',
  'authorization',
  'bearer',
  'jwt',
  'session',
  'cookie',
  'dsn',
  'connection string',
  'mnemonic',
  'seed',
  'otp',
  'pin',
  'vcap_services',
];

export const REDACTED = '[REDACTED]';

export type SecretKeyMatcher = (key: string) => boolean;

/** `DB_PASSWORD` -> [db, password]; `exchangeApiKey` -> [exchange, api, key]; `HTTPToken` -> [http, token]. */
function wordsOf(key: string): string[] {
  return key
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter(Boolean);
}

/** A count of something, not the thing: `maxTokens`, `numKeys`, `totalSessions`. */
const QUANTITY_WORDS = new Set(['max', 'min', 'num', 'number', 'count', 'total', 'limit']);

/** The key's trailing words, joined: for [exchange, api, key], `key`, `apikey`, `exchangeapikey`. */
function endingsOf(words: readonly string[]): string[] {
  const endings: string[] = [];
  for (let start = words.length - 1; start >= 0; start--) {
    endings.push(words.slice(start).join(''));
  }
  return endings;
}

/**
 * True for a key whose value is secret. A string in `keys` matches a key that ends with it as
 * whole words (a plural too, `apiKeys`, unless the key counts them: `maxKeys`); a RegExp is
 * tested against the key as written, without its `g` / `y` state (so one match never makes the
 * next key pass unseen).
 */
export function createSecretKeyMatcher(
  keys: readonly (string | RegExp)[] = DEFAULT_SECRET_KEYS,
): SecretKeyMatcher {
  const names = new Set(
    keys
      .filter((key): key is string => typeof key === 'string')
      .map((key) => wordsOf(key).join('')),
  );
  const patterns = keys
    .filter((key): key is RegExp => key instanceof RegExp)
    .map((pattern) => new RegExp(pattern.source, pattern.flags.replace(/[gy]/g, '')));
  return (key) => {
    const words = wordsOf(key);
    const counted = QUANTITY_WORDS.has(words[0] ?? '');
    const named = endingsOf(words).some(
      (ending) =>
        names.has(ending) || (!counted && ending.endsWith('s') && names.has(ending.slice(0, -1))),
    );
    return named || patterns.some((pattern) => pattern.test(key));
  };
}

/** True when any segment of a dotted path is a secret key: the value there is secret. */
export function isSecretPath(path: string, isSecretKey: SecretKeyMatcher): boolean {
  return path.split('.').some((segment) => isSecretKey(segment));
}

/**
 * A dotted path safe to show: everything below a secret key is secret, its key names included,
 * so `apiTokens.tok_live_123.scope` shows as `apiTokens.[REDACTED]`.
 */
export function redactPath(path: string, isSecretKey: SecretKeyMatcher): string {
  const segments = path.split('.');
  const secretAt = segments.findIndex((segment) => isSecretKey(segment));
  if (secretAt === -1 || secretAt === segments.length - 1) return path;
  return [...segments.slice(0, secretAt + 1), REDACTED].join('.');
}

/** `scheme://user:password@host` and `Bearer <token>`, wherever they stand in a text. */
const URL_PASSWORD = /\b([a-z][a-z0-9+.-]*:\/\/[^\s:/?#@]*):[^\s/?#@]*@/gi;
const BEARER = /\b(Bearer)\s+[A-Za-z0-9\-._~+/]+=*/gi;

/**
 * A text with the credentials it may carry in any value masked: the password of a URL's
 * user-info (`postgres://app:[REDACTED]@db`) and a bearer token (`Bearer [REDACTED]`).
 */
export function maskSecretsInText(text: string): string {
  return text.replace(URL_PASSWORD, `$1:${REDACTED}@`).replace(BEARER, `$1 ${REDACTED}`);
}

/**
 * A deep copy of `value` with every value under a secret key replaced by `[REDACTED]`, and the
 * credentials inside any other string masked (`maskSecretsInText`). A secret key's own object or
 * array is replaced whole: the key names below it may be secret too.
 */
export function redactSecrets(value: unknown, isSecretKey: SecretKeyMatcher): unknown {
  if (typeof value === 'string') return maskSecretsInText(value);
  if (Array.isArray(value)) return value.map((item) => redactSecrets(item, isSecretKey));
  if (value === null || typeof value !== 'object') return value;
  const copy: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(value)) {
    copy[key] = isSecretKey(key) ? REDACTED : redactSecrets(inner, isSecretKey);
  }
  return copy;
}
