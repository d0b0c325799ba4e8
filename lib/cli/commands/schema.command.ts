import { Command } from 'commander';
import { resolve } from 'node:path';
import { writeFileAtomically } from '../../sources/atomic-write.js';
import { ExitCode, type CliOutput } from '../shared/cli-output.js';
import { loadDtoClass } from '../check/dto-loader.js';
import type { UnknownKeys } from '../../interfaces/index.js';
import { unknownKeysOption } from '../check/validation-flags.js';

export function schemaCommand(output: CliOutput, setExitCode: (code: number) => void): Command {
  return new Command('schema')
    .description(
      "Print the JSON Schema (draft 2020-12) generated from a DTO: what schema: 'fromDto' " +
        'checks before the DTO, and what editors can validate the config file with.',
    )
    .requiredOption(
      '-d, --dto <module-file>#<ExportedClass>',
      'compiled module exporting a class-validator DTO class',
    )
    .option('-o, --out <file>', 'write the schema to this file (atomically) instead of stdout')
    .addOption(unknownKeysOption())
    .addHelpText(
      'after',
      `
Examples:
  $ config-reloader schema --dto dist/config/bot.config.js#BotConfig
  $ config-reloader schema --dto dist/config/bot.config.js#BotConfig --out config/bot.schema.json`,
    )
    .action(async (flags: { dto: string; out?: string; unknownKeys: UnknownKeys }) => {
      // Loaded here: it brings class-validator, which no other command needs at its start.
      const { generateSchemaFromDto } =
        await import('../../pipeline/dto-schema/dto-schema.generator.js');
      const schema = generateSchemaFromDto(await loadDtoClass(flags.dto), {
        unknownKeys: flags.unknownKeys,
      });
      const text = `${JSON.stringify(schema, null, 2)}\n`;
      if (flags.out === undefined) {
        output.out(text.trimEnd());
        return;
      }
      const target = resolve(flags.out);
      try {
        await writeFileAtomically(target, text);
      } catch (error) {
        output.err(`cannot write ${target}: ${(error as Error).message}`);
        setExitCode(ExitCode.Io);
        return;
      }
      output.err(`${output.paint('green', 'written')} ${target}`);
    });
}
