import { asReloadError } from '../../config-reloader.errors.js';
import type * as ConfigPipeline from '../../pipeline/config.pipeline.js';
import type { ConfigValidationRules } from '../../pipeline/config.pipeline.js';
import { parseConfigText } from '../../pipeline/document/config.parser.js';

/**
 * The validation pipeline, loaded the first time a command validates against a schema or a DTO.
 * It brings class-validator, class-transformer and @nestjs/common, about a second of a command's
 * start on a busy machine that `--help`, `status`, the canary commands and every syntax-only
 * check never need.
 */
export function loadPipeline(): Promise<typeof ConfigPipeline> {
  return import('../../pipeline/config.pipeline.js');
}

/**
 * What the module would make of `text`: parsed strictly, then checked with the rules given;
 * without rules, parsed only (the same strict parser, no pipeline loaded). Throws the typed
 * error a reload would report.
 */
export async function validatedText(
  text: string,
  where: string,
  rules: ConfigValidationRules<object>,
): Promise<{ plain: Record<string, unknown> }> {
  if (rules.schema === undefined && rules.dto === undefined) {
    try {
      return { plain: parseConfigText(text, where) };
    } catch (error) {
      throw asReloadError(error, where);
    }
  }
  return (await loadPipeline()).validateConfigText(text, where, rules);
}
