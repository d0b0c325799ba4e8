import { joinPath } from './config-path.js';
import { redactPath, type SecretKeyMatcher } from './secret-redaction.js';

/** Below this depth a patch's paths stop (a record from etcd may nest without end). */
const MAX_DEPTH = 32;

/**
 * The paths a JSON merge patch (RFC 7386) writes, dotted, each once, in the order written: an
 * object is walked (it merges), anything else is a path the patch sets (a value, an array it
 * replaces whole, `null` it deletes). Values never appear, and nothing below a secret key is
 * walked: its key names may be secret too, so the path ends at the secret key.
 */
export function patchPaths(patch: object, isSecretKey: SecretKeyMatcher): string[] {
  const paths = new Set<string>();
  const walk = (value: object, at: string, depth: number) => {
    for (const [key, inner] of Object.entries(value)) {
      const path = joinPath(at, key);
      const merges = isPlainObject(inner) && Object.keys(inner).length > 0;
      if (merges && depth < MAX_DEPTH && !isSecretKey(key)) walk(inner, path, depth + 1);
      else paths.add(redactPath(path, isSecretKey));
    }
  };
  walk(patch, '', 1);
  return [...paths];
}

function isPlainObject(value: unknown): value is object {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
