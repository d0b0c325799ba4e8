import 'reflect-metadata';
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { generateSchemaFromDto } from '../../../lib/pipeline/dto-schema/dto-schema.generator.js';
import { DEFAULT_CONFIG_PATH, SCHEMA_PATH } from '../../../sample-app/src/config/paths.js';
import { TrendFollowingConfig } from '../../../sample-app/src/config/trend-following.config.js';

describe('the sample schema checked in for editors', () => {
  it('is the one generated from the sample DTO today (else: npm run schema:sample)', async () => {
    const checkedIn = JSON.parse(await readFile(SCHEMA_PATH, 'utf8')) as unknown;
    // The app refuses unknown keys: so does the schema editors check with.
    expect(checkedIn).toEqual(
      generateSchemaFromDto(TrendFollowingConfig, { unknownKeys: 'refuse' }),
    );
  });

  it('is the schema the sample config names for editors', async () => {
    const config = JSON.parse(await readFile(DEFAULT_CONFIG_PATH, 'utf8')) as { $schema: string };
    expect(new URL(config.$schema, `file://${DEFAULT_CONFIG_PATH}`).pathname).toBe(SCHEMA_PATH);
  });
});
