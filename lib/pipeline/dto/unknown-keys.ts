import type { Type } from '@nestjs/common';
import type { ValidatorOptions } from 'class-validator';
import type { UnknownKeys } from '../../interfaces/index.js';
import { validationRulesOf } from './validator-metadata.adapter.js';

/** The key editors read a file's JSON Schema from: a reference, never a setting. */
export const EDITOR_SCHEMA_KEY = '$schema';

/** class-validator's options for a DTO; an object without rules (a missing `@Type`) is an error. */
export function dtoValidatorOptions(unknownKeys: UnknownKeys = 'allow'): ValidatorOptions {
  return unknownKeys === 'refuse'
    ? { forbidUnknownValues: true, whitelist: true, forbidNonWhitelisted: true }
    : { forbidUnknownValues: true };
}

/** The keys a DTO class has rules for: under `'refuse'`, the only ones it takes. */
export function declaredKeysOf(dto: Function): Set<string> {
  return new Set(validationRulesOf(dto).map((rule) => rule.propertyName));
}

/**
 * Under `'refuse'`, a top-level `$schema` the DTO has no rules for is left out of what the DTO
 * sees (and of the config): it tells an editor where the schema is, and refusing it would make
 * editor support and strict keys exclusive. Returns the document itself when nothing is left out.
 */
export function editorKeyLeftOut(
  dto: Type<object>,
  unknownKeys: UnknownKeys = 'allow',
): (plain: Record<string, unknown>) => Record<string, unknown> {
  const declared = validationRulesOf(dto).some((rule) => rule.propertyName === EDITOR_SCHEMA_KEY);
  if (unknownKeys === 'allow' || declared) return (plain) => plain;
  return (plain) => {
    if (!Object.hasOwn(plain, EDITOR_SCHEMA_KEY)) return plain;
    const rest = { ...plain };
    delete rest[EDITOR_SCHEMA_KEY];
    return rest;
  };
}
