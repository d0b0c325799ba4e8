import { GRPCInvalidArgumentError, GRPCUnavailableError } from 'etcd3';
import { describe, expect, it } from 'vitest';
import { ConfigAccessError, ConfigSourceUnavailableError } from '../../../lib/index.js';
import { failureReason, sourceFailure } from '../../../lib/sources/etcd/etcd-failure.js';

const where = { id: 'etcd:/bot/config', hosts: ['127.0.0.1:2379'] };
const unavailable = (id: string, hosts: readonly string[], reason: string) =>
  `Cannot reach etcd for ${id} (${hosts.join(', ')}): ${reason}.`;

describe('the reason an etcd call failed', () => {
  it.each([
    [
      '14 UNAVAILABLE: No connection established. Resolution note: ',
      '14 UNAVAILABLE: No connection established',
    ],
    ['14 UNAVAILABLE: down. Resolution note: .', '14 UNAVAILABLE: down'],
    ['14 UNAVAILABLE: down \t Resolution note:', '14 UNAVAILABLE: down'],
    [
      '14 UNAVAILABLE: down. Resolution note: retry later',
      '14 UNAVAILABLE: down. Resolution note: retry later',
    ],
    ['14 UNAVAILABLE: down', '14 UNAVAILABLE: down'],
    ['Resolution note: ', ''],
  ])('drops the empty resolution note from %j', (message, reason) => {
    expect(failureReason(new Error(message))).toBe(reason);
  });

  // A hostile or broken server chooses the message: a long whitespace run once took seconds to
  // match (quadratic). Linear matching takes milliseconds; the bound only says it completes.
  const whitespaceRun = ' \t'.repeat(50_000);
  const completes = { timeout: 3000 };

  it(
    'classifies an unreachable etcd whose message is 100k characters of whitespace',
    completes,
    () => {
      const error = new GRPCUnavailableError(`14 UNAVAILABLE:${whitespaceRun}x${whitespaceRun}.`);
      const failure = sourceFailure(error, where, unavailable);
      expect(failure).toBeInstanceOf(ConfigSourceUnavailableError);
      expect(failure.message).toContain(`14 UNAVAILABLE:${whitespaceRun}x`);
    },
  );

  it(
    'classifies a refusal whose message ends in a long whitespace run and a resolution note',
    completes,
    () => {
      const error = new GRPCInvalidArgumentError(
        `user name is empty.${whitespaceRun}Resolution note:${whitespaceRun}`,
      );
      const failure = sourceFailure(error, where, unavailable);
      expect(failure).toBeInstanceOf(ConfigAccessError);
      expect(failureReason(error)).toBe('user name is empty');
    },
  );
});
