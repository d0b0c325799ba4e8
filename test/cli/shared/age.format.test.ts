import { describe, expect, it } from 'vitest';
import { ageOf, formatAge } from '../../../lib/cli/shared/age.format.js';

describe('the age column of status', () => {
  it('reads at a glance from seconds to days', () => {
    expect(formatAge(0)).toBe('0s');
    expect(formatAge(59_999)).toBe('59s');
    expect(formatAge(185_000)).toBe('3m05s');
    expect(formatAge(2 * 3600_000 + 10 * 60_000)).toBe('2h10m');
    expect(formatAge(3 * 86_400_000 + 4 * 3600_000)).toBe('3d4h');
  });

  it('shows a clock ahead of ours as 0s, and a record without a date as ?', () => {
    expect(formatAge(-5000)).toBe('0s');
    expect(formatAge(ageOf('not a date'))).toBe('?');
    expect(ageOf('2026-01-01T00:00:10.000Z', Date.parse('2026-01-01T00:00:30.000Z'))).toBe(20_000);
  });
});
