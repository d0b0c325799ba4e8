import { describe, expect, it } from 'vitest';
import type { InstanceStatus } from '../../../../lib/sources/etcd/fleet/instance-status.js';
import { bucketOf } from '../../../../lib/sources/etcd/fleet/selector.js';
import { TrialAnswers } from '../../../../lib/sources/etcd/fleet/trial-answers.js';

const record = (
  instanceId: string,
  labels: Record<string, string> = {},
  trial?: InstanceStatus['trial'],
): InstanceStatus => ({
  instanceId,
  hostname: 'host',
  pid: 1,
  name: 'default',
  labels,
  version: 1,
  revision: '5',
  hash: 'h',
  variant: { overlays: [] },
  state: 'applied',
  updatedAt: 'now',
  ...(trial ? { trial } : {}),
});

const ids = (answers: TrialAnswers) => answers.all().map((answer) => answer.instance.instanceId);

describe('the answers a trial waits for', () => {
  it('waits for the live instances its selector matches, the trial id seeding a percentage', () => {
    const live = ['bot-1', 'bot-2', 'bot-3', 'bot-4', 'bot-5', 'bot-6'].map((id) =>
      record(id, { symbol: id === 'bot-6' ? 'ETH' : 'BTC' }),
    );
    expect(ids(new TrialAnswers('t-1', undefined, live))).toHaveLength(6);
    expect(ids(new TrialAnswers('t-1', { labels: { symbol: 'ETH' } }, live))).toEqual(['bot-6']);
    expect(ids(new TrialAnswers('t-1', { instances: ['bot-2', 'bot-9'] }, live))).toEqual([
      'bot-2',
    ]);
    const half = new TrialAnswers('t-1', { percent: 50 }, live);
    expect(ids(half)).toEqual(
      live.map((r) => r.instanceId).filter((id) => bucketOf('t-1', id) < 50),
    );
  });

  it('takes the first record that answers this trial, and none of another', () => {
    const answers = new TrialAnswers('t-1', undefined, [record('bot-1'), record('bot-2')]);
    expect(answers.seen(record('bot-1', {}, { id: 't-0', state: 'accepted' }))).toBeUndefined();
    expect(answers.seen(record('bot-9', {}, { id: 't-1', state: 'accepted' }))).toBeUndefined();
    const error = { code: 'CONFIG_VALIDATION', message: 'bad' };
    expect(
      answers.seen(record('bot-1', {}, { id: 't-1', state: 'rejected', error })),
    ).toMatchObject({ state: 'rejected', error });
    expect(answers.seen(record('bot-1', {}, { id: 't-1', state: 'accepted' }))).toBeUndefined();
    expect(answers.done).toBe(false);
    expect(answers.vanished('bot-1')).toBeUndefined(); // answered already
    expect(answers.vanished('bot-2')).toMatchObject({ state: 'gone' });
    expect(answers.done).toBe(true);
    expect(answers.all().map((answer) => answer.state)).toEqual(['rejected', 'gone']);
  });

  it('counts an answer already in the records it starts from', () => {
    const answered = record('bot-1', {}, { id: 't-1', state: 'accepted' });
    const answers = new TrialAnswers('t-1', undefined, [answered]);
    expect(answers.done).toBe(true);
    expect(answers.all()).toEqual([{ instance: answered, state: 'accepted' }]);
    expect(new TrialAnswers('t-1', undefined, []).done).toBe(true);
  });
});
