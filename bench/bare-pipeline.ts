import 'reflect-metadata';
import { Ajv } from 'ajv';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { plainToInstance } from 'class-transformer';
import { validate } from 'class-validator';
import { TrendFollowingConfig } from '../sample-app/src/config/trend-following.config.js';

/** Parses and validates config text: the least any reloader must do, with no module around it. */
export type BarePipeline = (text: string) => Promise<TrendFollowingConfig>;

/**
 * The floor every figure is compared with: JSON.parse, Ajv (compiled once, with the library's
 * options), class-transformer's plainToInstance and class-validator's validate, nothing else.
 */
export function createBarePipeline(schema: Record<string, unknown>): BarePipeline {
  // The dialect the schema names, as the library picks it (the sample's is generated as 2020-12).
  const options = { allErrors: true, strict: false };
  const dialect = String(schema.$schema ?? '');
  const ajv = dialect.includes('2020-12') ? new Ajv2020(options) : new Ajv(options);
  const checkSchema = ajv.compile(schema);
  return async (text) => {
    const plain = JSON.parse(text) as unknown;
    if (!checkSchema(plain)) throw new Error(`schema: ${JSON.stringify(checkSchema.errors)}`);
    const instance = plainToInstance(TrendFollowingConfig, plain as object);
    const errors = await validate(instance, { forbidUnknownValues: true });
    if (errors.length > 0) throw new Error(`dto: ${errors.map(String).join('; ')}`);
    return instance;
  };
}
