import 'reflect-metadata';
import fc from 'fast-check';
import { describe, it } from 'vitest';
import { TrendFollowingConfig } from '../../../sample-app/src/config/trend-following.config.js';
import { checkSequence, edits, portfolio, sample } from '../../support/incremental-equivalence.js';
import { Portfolio } from '../../support/portfolio.dto.js';

describe('incremental validation accepts, refuses and builds exactly what full validation does', () => {
  it('for the sample DTO, after random edits (valid, invalid, breaking fastPeriod < slowPeriod)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(edits, { minLength: 1, maxLength: 6 }), (steps) =>
        checkSequence({ dto: TrendFollowingConfig }, sample, steps),
      ),
      { numRuns: 300 },
    );
  });

  it('for the sample DTO refusing unknown keys (misspelt keys, $schema at the top and below)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(edits, { minLength: 1, maxLength: 6 }), (steps) =>
        checkSequence(
          { dto: TrendFollowingConfig, unknownKeys: 'refuse' },
          { $schema: './trend_following.schema.json', ...sample },
          steps,
        ),
      ),
      { numRuns: 200 },
    );
  });

  it('for a DTO with cross-field and array-level rules at three levels', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(edits, { minLength: 1, maxLength: 6 }), (steps) =>
        checkSequence({ dto: Portfolio }, portfolio, steps),
      ),
      { numRuns: 300 },
    );
  });

  it('for that DTO refusing unknown keys', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(edits, { minLength: 1, maxLength: 6 }), (steps) =>
        checkSequence({ dto: Portfolio, unknownKeys: 'refuse' }, portfolio, steps),
      ),
      { numRuns: 200 },
    );
  });
});
