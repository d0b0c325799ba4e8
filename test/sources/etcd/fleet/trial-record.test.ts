import { describe, expect, it } from 'vitest';
import { ConfigParseError, ConfigValidationError } from '../../../../lib/index.js';
import {
  readTrialRecord,
  trialRecordText,
} from '../../../../lib/sources/etcd/fleet/trial-record.js';

const NAME = 'trial-5f2c';
const WHERE = `etcd:/bots/x/trials/${NAME}`;
const CANDIDATE = '{"risk": {"stopLoss": 0.03}, "apiKey": "sk-live-SECRET"}';

function refusal(text: string, name = NAME): Error {
  try {
    readTrialRecord(text, WHERE, name);
  } catch (error) {
    expect((error as Error).message).toContain(WHERE);
    // Whatever is wrong, the candidate (a config, with its secrets) is never quoted.
    expect((error as Error).message).not.toContain('SECRET');
    return error as Error;
  }
  throw new Error('the record was accepted');
}

function issuesOf(text: string, name = NAME): { path: string; message: string }[] {
  const error = refusal(text, name);
  expect(error).toBeInstanceOf(ConfigValidationError);
  return [...(error as ConfigValidationError).issues];
}

const record = (fields: Record<string, unknown>) => JSON.stringify(fields);

describe('a trial record', () => {
  it('is an id, a candidate text and an optional selector', () => {
    const match = { labels: { symbol: 'BTC' }, percent: 50 };
    const text = trialRecordText({ id: NAME, candidate: CANDIDATE, match });
    expect(readTrialRecord(text, WHERE, NAME)).toEqual({ id: NAME, candidate: CANDIDATE, match });
    const everyone = readTrialRecord(record({ id: NAME, candidate: CANDIDATE }), WHERE, NAME);
    expect(everyone).toEqual({ id: NAME, candidate: CANDIDATE });
    expect(everyone).not.toHaveProperty('match');
  });

  it('refuses an unknown field, with a hint', () => {
    expect(issuesOf(record({ id: NAME, candidate: CANDIDATE, macth: {} }))).toEqual([
      { path: 'macth', message: expect.stringContaining('did you mean "match"?') },
    ]);
    expect(issuesOf(record({ id: NAME, candidate: CANDIDATE, createdAt: 'now' }))).toEqual([
      {
        path: 'createdAt',
        message: expect.stringContaining('a trial has id, candidate and match only'),
      },
    ]);
  });

  it("refuses an id that is missing, of another type or not its key's name", () => {
    for (const id of [undefined, 7, 'trial-other', '']) {
      expect(issuesOf(record({ id, candidate: CANDIDATE }))).toEqual([
        { path: 'id', message: expect.stringContaining("name of the trial's key") },
      ]);
    }
  });

  it('refuses a candidate that is no string, without quoting it', () => {
    for (const candidate of [undefined, { apiKey: 'sk-live-SECRET' }, ['sk-live-SECRET'], 3]) {
      expect(issuesOf(record({ id: NAME, candidate }))).toEqual([
        { path: 'candidate', message: expect.stringContaining('whole JSON document') },
      ]);
    }
  });

  it('refuses a selector with a misspelt field or a bad value, each at its path', () => {
    const issues = issuesOf(
      record({
        id: NAME,
        candidate: CANDIDATE,
        match: { lables: { symbol: 'BTC' }, percent: 120 },
      }),
    );
    expect(issues.map((issue) => issue.path).sort()).toEqual(['match.lables', 'match.percent']);
    expect(issuesOf(record({ id: NAME, candidate: CANDIDATE, match: 'symbol=BTC' }))).toEqual([
      { path: 'match', message: expect.stringContaining('must be a selector') },
    ]);
  });

  it('says every problem at once', () => {
    const issues = issuesOf(record({ id: 3, candidate: 4, extra: true }));
    expect(issues.map((issue) => issue.path).sort()).toEqual(['candidate', 'extra', 'id']);
  });

  it('is parsed strictly: bad JSON, duplicate and prototype keys are parse errors naming the key', () => {
    for (const text of [
      `{"id": "${NAME}", "candidate": "{}",}`,
      `{"id": "${NAME}", "candidate": "{}", "candidate": "{}"}`,
      `{"id": "${NAME}", "candidate": "{}", "__proto__": {"polluted": true}}`,
      '',
      '[]',
    ]) {
      const error = refusal(text);
      expect(error instanceof ConfigParseError || error instanceof ConfigValidationError).toBe(
        true,
      );
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});
