import { InvalidArgumentError } from 'commander';
import { describe, expect, it } from 'vitest';
import { formatDuration, parseDuration } from '../../../lib/cli/shared/duration.flag.js';

describe('the CLI duration flags (--timeout, --dial-timeout)', () => {
  it('reads ms, s, m and plain numbers of ms', () => {
    expect(parseDuration('30s')).toBe(30_000);
    expect(parseDuration('500ms')).toBe(500);
    expect(parseDuration('2m')).toBe(120_000);
    expect(parseDuration('1500')).toBe(1500);
    expect(parseDuration('1.5s')).toBe(1500);
  });

  it('refuses anything else as a usage error that says what it expected', () => {
    for (const value of ['', '0', '-1s', '10h', 's', '1 s', 'fast', '0.0001s']) {
      expect(() => parseDuration(value)).toThrow(InvalidArgumentError);
    }
    expect(() => parseDuration('10h')).toThrow(/like 30s, 500ms, 2m or 1500/);
  });

  it('prints durations as people write them', () => {
    expect(formatDuration(500)).toBe('500ms');
    expect(formatDuration(1500)).toBe('1.5s');
    expect(formatDuration(30_000)).toBe('30s');
    expect(formatDuration(120_000)).toBe('2m');
    expect(formatDuration(90_000)).toBe('90s');
  });
});
