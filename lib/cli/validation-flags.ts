import type { Command } from 'commander';
import { createValidationRules, type ConfigValidationRules } from '../pipeline/config.pipeline.js';
import { loadDtoClass } from './dto-loader.js';

export interface ValidationFlags {
  schema?: string;
  dto?: string;
}

/** The flags that say how to validate, shared by validate, apply and publish. */
export function addValidationFlags(command: Command): Command {
  return command
    .option('-s, --schema <schema.json>', 'JSON Schema file to validate against')
    .option(
      '-d, --dto <module-file>#<ExportedClass>',
      'compiled module exporting a class-validator DTO class; alone, the JSON Schema made ' +
        'from the DTO is checked first',
    );
}

/**
 * The same rules the module builds from `schemaPath` and `dto`; `--dto` alone is the module's
 * `schema: 'fromDto'`. Since that schema never refuses what the DTO accepts, the verdict is the
 * one of an app given the DTO alone too; only the first errors reported may differ.
 */
export async function rulesFromFlags(
  flags: ValidationFlags,
): Promise<ConfigValidationRules<object>> {
  const dto = flags.dto ? await loadDtoClass(flags.dto) : undefined;
  const fromDto = dto !== undefined && flags.schema === undefined;
  return createValidationRules({
    schemaPath: flags.schema,
    schema: fromDto ? 'fromDto' : undefined,
    dto,
  });
}
