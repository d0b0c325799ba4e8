import { Option, type Command } from 'commander';
import type { UnknownKeys } from '../../interfaces/index.js';
import type { ConfigValidationRules } from '../../pipeline/config.pipeline.js';
import { cliMessages } from '../shared/cli.messages.js';
import type { CliOutput } from '../shared/cli-output.js';
import { loadDtoClass } from './dto-loader.js';
import { loadPipeline } from './pipeline.loader.js';

export interface ValidationFlags {
  schema?: string;
  dto?: string;
  unknownKeys?: UnknownKeys;
}

/** `--unknown-keys`, as the module's `unknownKeys` option: validate and schema take it. */
export function unknownKeysOption(): Option {
  return new Option(
    '--unknown-keys <policy>',
    "what the DTO does with a key it has no rules for, as the module's unknownKeys option",
  )
    .choices(['allow', 'refuse'])
    .default('allow');
}

/** The flags that say how to validate, shared by validate, apply and publish. */
export function addValidationFlags(command: Command): Command {
  return command
    .option('-s, --schema <schema.json>', 'JSON Schema file to validate against')
    .option(
      '-d, --dto <module-file>#<ExportedClass>',
      'compiled module exporting a class-validator DTO class; alone, the JSON Schema made ' +
        'from the DTO is checked first',
    )
    .addOption(unknownKeysOption());
}

/**
 * The same rules the module builds from `schemaPath` and `dto`; `--dto` alone is the module's
 * `schema: 'fromDto'`. Since that schema never refuses what the DTO accepts, the verdict is the
 * one of an app given the DTO alone too; only the first errors reported may differ.
 */
export async function rulesFromFlags(
  flags: ValidationFlags,
): Promise<ConfigValidationRules<object>> {
  // A syntax-only check needs no rules, and so no pipeline.
  if (flags.schema === undefined && flags.dto === undefined) return {};
  const dto = flags.dto ? await loadDtoClass(flags.dto) : undefined;
  const fromDto = dto !== undefined && flags.schema === undefined;
  return (await loadPipeline()).createValidationRules({
    schemaPath: flags.schema,
    schema: fromDto ? 'fromDto' : undefined,
    dto,
    unknownKeys: dto ? flags.unknownKeys : undefined,
  });
}

/**
 * Says on stderr, once a run, that without --schema or --dto only the JSON syntax was checked:
 * "valid" then means far less than what the app, given its rules, would accept.
 */
export function noteWhenSyntaxOnly(output: CliOutput, flags: ValidationFlags): void {
  if (flags.schema === undefined && flags.dto === undefined) output.err(cliMessages.syntaxOnly());
}
