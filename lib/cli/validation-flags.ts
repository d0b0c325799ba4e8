import type { Command } from 'commander';
import { createValidationRules, type ConfigValidationRules } from '../pipeline/config.pipeline.js';
import { loadDtoClass } from './dto-loader.js';

export interface ValidationFlags {
  schema?: string;
  dto?: string;
}

/** The flags that say how to validate, shared by validate and apply. */
export function addValidationFlags(command: Command): Command {
  return command
    .option('-s, --schema <schema.json>', 'JSON Schema file to validate against')
    .option(
      '-d, --dto <module-file>#<ExportedClass>',
      'compiled module exporting a class-validator DTO class',
    );
}

/** The same rules the module builds from `schemaPath` and `dto`. */
export async function rulesFromFlags(
  flags: ValidationFlags,
): Promise<ConfigValidationRules<object>> {
  const dto = flags.dto ? await loadDtoClass(flags.dto) : undefined;
  return createValidationRules({ schemaPath: flags.schema, dto });
}
