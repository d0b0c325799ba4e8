import { describe, expect, it } from 'vitest';
import { ConfigParseError, ConfigValidationError } from '../../../../lib/index.js';
import {
  canaryKey,
  canaryRecordText,
  readCanaryRecord,
  type CanaryRecord,
} from '../../../../lib/sources/etcd/fleet/canary-record.js';

const WHERE = 'etcd:/bots/x/canary';
const CANDIDATE = '{"risk": {"stopLoss": 0.03}, "apiKey": "sk-live-SECRET"}';
const CANARY: CanaryRecord = {
  id: 'canary-7',
  candidate: CANDIDATE,
  baseRevision: '41',
  match: { labels: { symbol: 'BTC' } },
  abortOnReject: true,
  createdAt: '2026-12-07T10:00:00.000Z',
};

function issuesOf(fields: Record<string, unknown>): { path: string; message: string }[] {
  try {
    readCanaryRecord(JSON.stringify(fields), WHERE);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigValidationError);
    expect((error as Error).message).toContain(WHERE);
    // Whatever is wrong, the candidate (a config, with its secrets) is never quoted.
    expect((error as Error).message).not.toContain('SECRET');
    return [...(error as ConfigValidationError).issues];
  }
  throw new Error('the record was accepted');
}

describe('the canary record', () => {
  it('lives next to the key it is a canary of', () => {
    expect(canaryKey('/bots/x')).toBe('/bots/x/canary');
  });

  it('reads back what was written, with and without the abort a member adds', () => {
    expect(readCanaryRecord(canaryRecordText(CANARY), WHERE)).toEqual(CANARY);
    const aborted: CanaryRecord = {
      ...CANARY,
      aborted: {
        by: 'bot-3',
        at: '2026-12-07T10:00:01.000Z',
        error: { code: 'CONFIG_VETOED', message: 'open orders' },
      },
    };
    expect(readCanaryRecord(canaryRecordText(aborted), WHERE)).toEqual(aborted);
  });

  it('refuses an unknown field with a hint, and every missing or mistyped field by its path', () => {
    expect(issuesOf({ ...CANARY, macth: {} })).toEqual([
      { path: 'macth', message: expect.stringContaining('did you mean "match"?') },
    ]);
    const paths = (fields: Record<string, unknown>) => issuesOf(fields).map(({ path }) => path);
    expect(paths({})).toEqual([
      'id',
      'candidate',
      'baseRevision',
      'match',
      'abortOnReject',
      'createdAt',
    ]);
    expect(paths({ ...CANARY, id: '' })).toEqual(['id']);
    expect(paths({ ...CANARY, id: 'x'.repeat(129) })).toEqual(['id']);
    expect(paths({ ...CANARY, candidate: { risk: 1 } })).toEqual(['candidate']);
    expect(paths({ ...CANARY, baseRevision: 41 })).toEqual(['baseRevision']);
    expect(paths({ ...CANARY, baseRevision: '4x' })).toEqual(['baseRevision']);
    expect(paths({ ...CANARY, abortOnReject: 'yes' })).toEqual(['abortOnReject']);
    expect(paths({ ...CANARY, createdAt: 0 })).toEqual(['createdAt']);
  });

  it('refuses a selector with an unknown field, naming its path under match', () => {
    const issues = issuesOf({ ...CANARY, match: { lables: { symbol: 'BTC' } } });
    expect(issues).toHaveLength(1);
    expect(issues[0]!.path).toMatch(/^match\.lables/);
  });

  it('refuses an abort that is not { by, at, error: { code, message } }', () => {
    const error = { code: 'CONFIG_VALIDATION', message: 'x' };
    for (const aborted of [
      null,
      'bot-3',
      { by: 'bot-3', at: 'now' },
      { by: 'bot-3', at: 'now', error: { code: 1, message: 'x' } },
      { by: 'bot-3', at: 'now', error, extra: true },
    ]) {
      expect(issuesOf({ ...CANARY, aborted }).map(({ path }) => path)).toEqual(['aborted']);
    }
  });

  it('refuses bad JSON with line and column, and prototype-poisoning keys', () => {
    expect(() => readCanaryRecord('{"id": "c",\n "candidate": }', WHERE)).toThrow(ConfigParseError);
    expect(() => readCanaryRecord('{"id": "c",\n "candidate": }', WHERE)).toThrow(/line 2/);
    const poisoned = `{"__proto__": {"polluted": true}, ${canaryRecordText(CANARY).slice(1)}`;
    expect(() => readCanaryRecord(poisoned, WHERE)).toThrow(WHERE);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});
