import type { Type } from '@nestjs/common';
import { plainToInstance } from 'class-transformer';
import { validate, type ValidationError, type ValidatorOptions } from 'class-validator';
import type { ConfigIssue } from '../config-reloader.errors.js';
import { joinPath } from './config-path.js';
import { dtoValidatorOptions } from './unknown-keys.js';

export type DtoValidationResult<T> =
  { ok: true; instance: T } | { ok: false; issues: ConfigIssue[] };

/**
 * Turns a parsed config into an instance of the DTO class and validates it with class-validator,
 * nested DTOs included; each issue carries its dotted path.
 */
export async function validateDto<T extends object>(
  dto: Type<T>,
  plain: Record<string, unknown>,
  options: ValidatorOptions = dtoValidatorOptions(),
): Promise<DtoValidationResult<T>> {
  const instance = plainToInstance(dto, plain);
  const errors = await validate(instance, options);
  if (errors.length === 0) return { ok: true, instance };
  return { ok: false, issues: flattenValidationErrors(errors, '') };
}

function flattenValidationErrors(
  errors: readonly ValidationError[],
  parent: string,
): ConfigIssue[] {
  return errors.flatMap((error) => {
    const path = joinPath(parent, error.property);
    const own = Object.values(error.constraints ?? {}).map((message) => ({ path, message }));
    return [...own, ...flattenValidationErrors(error.children ?? [], path)];
  });
}
