import { closestName } from '../config-reloader.suggest.js';
import { joinPath } from '../change/config-path.js';
import {
  createSecretKeyMatcher,
  isSecretPath,
  type SecretKeyMatcher,
} from '../change/secret-redaction.js';

const defaultSecretKeys = createSecretKeyMatcher();

/** Where an unknown key was found: what the rules there declare, and what the object holds. */
export interface UnknownKeyPlace {
  /** Dotted path of the object that holds the key (`strategies.1.risk`; the root is ''). */
  parentPath: string;
  /** The keys the rules for that object declare. */
  declared: Iterable<string>;
  /** The object itself, when known: a declared key it already holds is not suggested. */
  holder?: object;
}

/**
 * The declared key an unknown one was most likely meant to be (`stopLos`: `stopLoss`), for the
 * "did you mean" of a refused key. Only declared keys the object lacks are candidates: a misspelt
 * key leaves its own one missing. Key names are compared, never values; and nothing is suggested
 * at or under a secret key, or naming one, where a key name may itself give a secret away.
 */
export function suggestDeclaredKey(
  unknownKey: string,
  { parentPath, declared, holder }: UnknownKeyPlace,
  isSecretKey: SecretKeyMatcher = defaultSecretKeys,
): string | undefined {
  if (isSecretPath(joinPath(parentPath, unknownKey), isSecretKey)) return undefined;
  const missing = [...declared].filter((key) => !(holder && Object.hasOwn(holder, key)));
  const suggestion = closestName(unknownKey, missing);
  return suggestion === undefined || isSecretKey(suggestion) ? undefined : suggestion;
}
