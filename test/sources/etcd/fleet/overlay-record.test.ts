import { describe, expect, it } from 'vitest';
import { ConfigParseError, ConfigValidationError } from '../../../../lib/index.js';
import { readOverlayRecord } from '../../../../lib/sources/etcd/fleet/overlay-record.js';
import { OverlayRecords } from '../../../../lib/sources/etcd/fleet/overlay-records.js';

const WHERE = 'etcd:/bots/x/overlays/btc';

function issuesOf(text: string): { path: string; message: string }[] {
  try {
    readOverlayRecord(text, WHERE);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigValidationError);
    expect((error as ConfigValidationError).message).toContain(WHERE);
    return [...(error as ConfigValidationError).issues];
  }
  throw new Error('the record was accepted');
}

describe('an overlay record', () => {
  it('is a selector and a merge patch object', () => {
    const text = JSON.stringify({ match: { labels: { symbol: 'BTC' } }, patch: { a: 1 } });
    expect(readOverlayRecord(text, WHERE)).toEqual({
      match: { labels: { symbol: 'BTC' } },
      patch: { a: 1 },
    });
  });

  it('refuses an unknown field, with a hint, and a missing selector', () => {
    expect(issuesOf('{"match": {}, "patch": {}, "pacth": {}}')).toEqual([
      { path: 'pacth', message: expect.stringContaining('did you mean "patch"?') },
    ]);
    expect(issuesOf('{"patch": {}}')).toEqual([
      { path: 'match', message: expect.stringContaining('required') },
    ]);
  });

  it('refuses a patch that is not an object, and a selector with a misspelt field', () => {
    for (const patch of ['[1]', '"x"', 'null', '3']) {
      expect(issuesOf(`{"match": {}, "patch": ${patch}}`)).toEqual([
        { path: 'patch', message: expect.stringContaining('JSON object') },
      ]);
    }
    const issues = issuesOf('{"match": {"lables": {"symbol": "BTC"}}, "patch": {}}');
    expect(issues.map((issue) => issue.path)).toEqual(['match.lables']);
  });

  it('is parsed strictly: bad JSON and prototype keys are parse errors naming the key', () => {
    for (const text of [
      '{"match": {}, "patch": {},}',
      '{"match": {}, "patch": {"__proto__": {}}}',
    ]) {
      const error = (() => {
        try {
          readOverlayRecord(text, WHERE);
        } catch (caught) {
          return caught;
        }
      })();
      expect(error).toBeInstanceOf(ConfigParseError);
      expect((error as Error).message).toContain(WHERE);
    }
  });
});

describe('the overlays of a key', () => {
  const btc = { instanceId: 'bot-1', labels: { symbol: 'BTC' } };

  it('gives the matching patches in name order, and the first unreadable record as an error', () => {
    const records = new OverlayRecords('/bots/x');
    records.put('/bots/x/overlays/b', JSON.stringify({ match: {}, patch: { b: 1 } }));
    records.put('/bots/x/overlays/a', JSON.stringify({ match: {}, patch: { a: 1 } }));
    const eth = { labels: { symbol: 'ETH' } };
    records.put('/bots/x/overlays/c', JSON.stringify({ match: eth, patch: { c: 1 } }));
    expect(records.layersFor(btc).map((layer) => layer.name)).toEqual(['a', 'b']);
    records.delete('/bots/x/overlays/a');
    expect(records.layersFor(btc).map((layer) => layer.name)).toEqual(['b']);
    records.put('/bots/x/overlays/z', '{');
    expect(() => records.layersFor(btc)).toThrow(ConfigParseError);
  });

  it('covers keys under its prefix only', () => {
    const records = new OverlayRecords('/bots/x');
    expect(records.covers('/bots/x/overlays/a')).toBe(true);
    expect(records.covers('/bots/x/overlays/')).toBe(false);
    expect(records.covers('/bots/x/instances/a')).toBe(false);
    expect(records.covers('/bots/x-eth/overlays/a')).toBe(false);
  });
});
