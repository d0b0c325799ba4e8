import { join } from 'node:path';
import { root } from './config-reloader-cli.js';

/** The sample bot's config and the schema generated from its DTO, as the CLI tests use them. */
export const sampleConfig = join(root, 'sample-app', 'config', 'trend_following.json');
export const sampleSchema = join(root, 'sample-app', 'config', 'trend_following.schema.json');

/** The parts of the sample config the CLI tests change. */
export type TrendConfig = {
  exchange: { apiKey: string };
  strategies: { risk: { stopLoss: number } }[];
  [key: string]: unknown;
};

/** What validate, publish and rollback say on stderr when given neither --schema nor --dto. */
export const syntaxOnlyNote = 'note: no --schema or --dto given: checked JSON syntax only';
