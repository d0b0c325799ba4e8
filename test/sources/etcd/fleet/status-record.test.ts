import { describe, expect, it } from 'vitest';
import type { SourceOutcome } from '../../../../lib/index.js';
import type { InstanceStatus } from '../../../../lib/sources/etcd/fleet/instance-status.js';
import { StatusRecord } from '../../../../lib/sources/etcd/fleet/status-record.js';

const outcome = (version: number): SourceOutcome => ({
  name: 'default',
  state: 'applied',
  version,
  revision: String(10 + version),
  hash: `h${version}`,
});

describe("an instance's status record", () => {
  it('writes each outcome with the answer to the trial that stands, and each answer with the outcome', () => {
    const written: InstanceStatus[] = [];
    const record = new StatusRecord(
      { instanceId: 'bot-1', labels: {} },
      {
        write: (status) => void written.push(status),
      },
    );
    record.trialIs({ id: 't-0', state: 'accepted' }); // before any outcome: nothing to add it to
    expect(written).toEqual([]);
    record.outcomeIs(outcome(1));
    record.trialIs({ id: 't-1', state: 'accepted' });
    record.outcomeIs(outcome(2)); // a reload meanwhile keeps the answer someone waits for
    record.trialIs(undefined);
    expect(written.map(({ version, trial }) => ({ version, trial: trial?.id }))).toEqual([
      { version: 1, trial: 't-0' },
      { version: 1, trial: 't-1' },
      { version: 2, trial: 't-1' },
      { version: 2, trial: undefined },
    ]);
    expect(written.at(-1)).not.toHaveProperty('trial');
    expect(record.trialAnswer).toBeUndefined();
  });
});
