import type { IKeyValue } from 'etcd3';
import { describe, expect, it } from 'vitest';
import type { SourceListener, TrialVerdict } from '../../../../lib/index.js';
import { FleetTrials } from '../../../../lib/sources/etcd/fleet/fleet-trials.js';
import type { TrialStatus } from '../../../../lib/sources/etcd/fleet/instance-status.js';
import type { StatusRecord } from '../../../../lib/sources/etcd/fleet/status-record.js';

const KEY = '/bots/x';

/** A watch event's key-value for `K/trials/<name>`, created at `created`. */
function kv(name: string, record: unknown, created = '10'): IKeyValue {
  const text = typeof record === 'string' ? record : JSON.stringify(record);
  return {
    key: Buffer.from(`${KEY}/trials/${name}`),
    value: Buffer.from(text),
    create_revision: created,
    mod_revision: created,
    version: '1',
    lease: '0',
  };
}

const trial = (id: string, candidate = '{"n": 1}', created = '10') =>
  kv(id, { id, candidate }, created);

const selected = (id: string, match: unknown) => kv(id, { id, candidate: '{}', match });

/** A reload path whose verdicts the test hands out one by one, and the record answers go to. */
function harness(labels: Record<string, string> = {}) {
  const asked: { text: string; answer(verdict: TrialVerdict): void }[] = [];
  const answers: (TrialStatus | undefined)[] = [];
  let current: TrialStatus | undefined;
  const record = {
    trialIs(answer: TrialStatus | undefined) {
      current = answer;
      answers.push(answer);
    },
    get trialAnswer() {
      return current;
    },
  } as unknown as StatusRecord;
  const listener: SourceListener = {
    changed: () => undefined,
    error: () => undefined,
    trial: (text) => new Promise((answer) => asked.push({ text, answer })),
  };
  const trials = new FleetTrials({
    key: KEY,
    identity: { instanceId: 'bot-1', labels },
    record,
    // This instance's overlay: one more field over the candidate.
    assemble: (candidate) => JSON.stringify({ ...JSON.parse(candidate), overlay: true }),
  });
  const settled = () => new Promise((resolve) => setImmediate(resolve));
  return { trials, listener, asked, answers, settled };
}

describe('the trials an instance judges', () => {
  it("asks the reload path about the candidate with the instance's overlays, and records the answer", async () => {
    const { trials, listener, asked, answers, settled } = harness();
    trials.listen(listener);
    trials.put(trial('t-1'));
    expect(asked.map((question) => question.text)).toEqual(['{"n":1,"overlay":true}']);
    asked[0]!.answer({ accepted: false, error: { code: 'CONFIG_VALIDATION', message: 'n: bad' } });
    await settled();
    expect(answers).toEqual([
      { id: 't-1', state: 'rejected', error: { code: 'CONFIG_VALIDATION', message: 'n: bad' } },
    ]);
  });

  it('waits for the watch to start before judging the trials a read found', async () => {
    const { trials, listener, asked, answers, settled } = harness();
    trials.replaceAll([trial('t-1'), trial('t-2', '{"n": 2}')]);
    expect(asked).toEqual([]);
    trials.listen(listener);
    expect(asked).toHaveLength(2);
    asked.forEach((question) => question.answer({ accepted: true }));
    await settled();
    expect(answers.map((answer) => answer?.id)).toEqual(['t-1', 't-2']);
  });

  it('judges each trial once: a rewrite or a read that finds it again is no new trial', async () => {
    const { trials, listener, asked } = harness();
    trials.listen(listener);
    trials.put(trial('t-1'));
    trials.put(trial('t-1', '{"n": 2}'));
    trials.replaceAll([trial('t-1')]);
    expect(asked).toHaveLength(1);
    // Deleted and created anew: another trial under the same name.
    trials.put(trial('t-1', '{"n": 3}', '20'));
    expect(asked).toHaveLength(2);
  });

  it('gives no answer to a trial deleted, or deleted and created anew, before it was judged', async () => {
    const { trials, listener, asked, answers, settled } = harness();
    trials.listen(listener);
    trials.put(trial('t-gone'));
    trials.delete(trial('t-gone'));
    trials.put(trial('t-again'));
    trials.delete(trial('t-again'));
    trials.put(trial('t-again', '{"n": 2}', '20'));
    asked.forEach((question) => question.answer({ accepted: true }));
    await settled();
    expect(answers).toEqual([{ id: 't-again', state: 'accepted' }]);
  });

  it('drops its answer when the trial is deleted, or a read no longer finds it', async () => {
    const { trials, listener, asked, answers, settled } = harness();
    trials.listen(listener);
    trials.put(trial('t-1'));
    asked[0]!.answer({ accepted: true });
    await settled();
    trials.delete(trial('t-other')); // another trial's end leaves the answer
    trials.delete(trial('t-1'));
    expect(answers).toEqual([{ id: 't-1', state: 'accepted' }, undefined]);

    trials.put(trial('t-2', '{"n": 2}', '30'));
    asked[1]!.answer({ accepted: true });
    await settled();
    trials.replaceAll([]);
    expect(answers.at(-1)).toBeUndefined();
  });

  it('leaves a trial its selector does not match alone; its id seeds a percentage', async () => {
    const { trials, listener, asked } = harness({ symbol: 'ETH' });
    trials.listen(listener);
    trials.put(selected('t-btc', { labels: { symbol: 'BTC' } }));
    trials.put(selected('t-none', { instances: ['bot-2'] }));
    trials.put(selected('t-zero', { percent: 0 }));
    expect(asked).toEqual([]);
    trials.put(selected('t-eth', { labels: { symbol: 'ETH' }, percent: 100 }));
    expect(asked).toHaveLength(1);
  });

  it('answers a record it cannot read with what is wrong, under its key name, without asking', async () => {
    const { trials, listener, asked, answers, settled } = harness();
    trials.listen(listener);
    trials.put(kv('t-bad', { id: 't-bad', candidate: '{}', canary: 'c-1' }));
    trials.put(kv('t-json', '{"id": "t-json",'));
    trials.put(kv('t-id', { id: 'other', candidate: '{}' }));
    await settled();
    expect(asked).toEqual([]);
    expect(answers).toEqual([
      {
        id: 't-bad',
        state: 'rejected',
        error: { code: 'CONFIG_VALIDATION', message: expect.stringContaining('canary') },
      },
      { id: 't-json', state: 'rejected', error: expect.objectContaining({ code: 'CONFIG_PARSE' }) },
      {
        id: 't-id',
        state: 'rejected',
        error: {
          code: 'CONFIG_VALIDATION',
          message: expect.stringContaining(`${KEY}/trials/t-id`),
        },
      },
    ]);
  });

  it('answers nothing when the reload path cannot judge any more (closing)', async () => {
    const { trials, settled, answers } = harness();
    trials.listen({
      changed: () => undefined,
      error: () => undefined,
      trial: () => Promise.reject(new Error('closed')),
    });
    trials.put(trial('t-1'));
    await settled();
    expect(answers).toEqual([]);
  });
});
