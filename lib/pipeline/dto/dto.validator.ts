import type { Type } from '@nestjs/common';
import { plainToInstance } from 'class-transformer';
import {
  validate,
  ValidationTypes,
  type ValidationError,
  type ValidatorOptions,
} from 'class-validator';
import type { ConfigIssue } from '../../config-reloader.errors.js';
import { joinPath } from '../../change/config-path.js';
import { messages } from '../../config-reloader.messages.js';
import {
  createSecretKeyMatcher,
  isSecretPath,
  redactPath,
  type SecretKeyMatcher,
} from '../../change/secret-redaction.js';
import { suggestDeclaredKey } from '../unknown-key.suggestion.js';
import { declaredKeysOf, dtoValidatorOptions } from './unknown-keys.js';

export type DtoValidationResult<T> =
  { ok: true; instance: T } | { ok: false; issues: ConfigIssue[] };

const defaultSecretKeys = createSecretKeyMatcher();

/**
 * Turns a parsed config into an instance of the DTO class and validates it with class-validator,
 * nested DTOs included; each issue carries its dotted path. A refused unknown key names the
 * declared key it was probably meant to be, unless `isSecretKey` says that would tell too much.
 */
export async function validateDto<T extends object>(
  dto: Type<T>,
  plain: Record<string, unknown>,
  options: ValidatorOptions = dtoValidatorOptions(),
  isSecretKey: SecretKeyMatcher = defaultSecretKeys,
): Promise<DtoValidationResult<T>> {
  const instance = plainToInstance(dto, plain);
  const errors = await validate(instance, options);
  if (errors.length === 0) return { ok: true, instance };
  return { ok: false, issues: flattenValidationErrors(errors, '', isSecretKey) };
}

/**
 * One issue per failed rule. The DTO's messages may quote the value (`$value`, a function of
 * `args.value`): under a secret path the message is the rule's name alone, and the path hides
 * the key names below the secret key.
 */
function flattenValidationErrors(
  errors: readonly ValidationError[],
  parent: string,
  isSecretKey: SecretKeyMatcher,
): ConfigIssue[] {
  return errors.flatMap((error) => {
    const path = joinPath(parent, error.property);
    const secret = isSecretPath(path, isSecretKey);
    const own = Object.entries(error.constraints ?? {}).map(([rule, message]) => ({
      path: redactPath(path, isSecretKey),
      message: secret
        ? messages.secretRuleFailed(rule)
        : rule === ValidationTypes.WHITELIST
          ? messages.unknownKey(message, suggestionFor(error, parent, isSecretKey))
          : message,
    }));
    return [...own, ...flattenValidationErrors(error.children ?? [], path, isSecretKey)];
  });
}

/** For a key the DTO has no rules for: class-validator's error holds the object it sits in. */
function suggestionFor(
  error: ValidationError,
  parentPath: string,
  isSecretKey: SecretKeyMatcher,
): string | undefined {
  const holder: unknown = error.target;
  if (typeof holder !== 'object' || holder === null) return undefined;
  return suggestDeclaredKey(
    error.property,
    { parentPath, declared: declaredKeysOf(holder.constructor), holder },
    isSecretKey,
  );
}
