import 'reflect-metadata';
import { afterEach, describe, expect, it } from 'vitest';
import type { SourceOutcome } from '../../lib/index.js';
import { MemorySource } from '../support/memory.source.js';
import { bootReloader, type ReloaderHarness } from '../support/reloader-app.js';
import { waitFor } from '../support/wait-for.js';

type Bot = { revision: number; halt?: boolean };

const json = (config: Bot) => JSON.stringify(config);

/**
 * What the source is told (fleet status, cache): every decision, "nothing to do" included, so
 * that no record stays 'rejected' or 'staged' for a revision the instance has moved past.
 */
describe('the outcome of every change, as the source hears it', () => {
  let harness: ReloaderHarness<Bot> | undefined;
  let vetoing = false;

  afterEach(async () => {
    await harness?.close();
    harness = undefined;
    vetoing = false;
  });

  const boot = async (source: MemorySource) => {
    harness = await bootReloader<Bot>({
      configSource: source,
      debounceMs: 0,
      verifyIntervalMs: 50,
      schema: {
        type: 'object',
        required: ['revision'],
        properties: { revision: { type: 'integer', minimum: 1 } },
      },
      beforeApply: (next) => {
        if (vetoing && next.halt) throw new Error('2 orders still open');
      },
    });
    return harness;
  };

  /** The last outcome told for `revision`, once there is one. */
  const outcomeFor = (source: MemorySource, revision: string, state: SourceOutcome['state']) =>
    waitFor(
      () => {
        const last = source.outcomes.at(-1);
        return last?.revision === revision && last.state === state ? last : undefined;
      },
      {
        description: `'${state}' at revision ${revision}; told: ${JSON.stringify(source.outcomes)}`,
      },
    );

  it('reports "applied" at the new revision when a rejected change is followed by the config in force', async () => {
    const source = new MemorySource('bot', json({ revision: 1 }));
    const { service, reloaded } = await boot(source);
    const bad = source.publish(json({ revision: 0 }));
    await outcomeFor(source, bad.revision, 'rejected');

    const good = source.publish(json({ revision: 1 }));
    const told = await outcomeFor(source, good.revision, 'applied');
    // Nothing applied: same version, no event; but the revision in force moved with the source.
    expect(told).toMatchObject({ version: 1, hash: good.hash, text: good.text });
    expect(service.version).toBe(1);
    expect(reloaded).toHaveLength(0);
    expect(service.getHistory().at(-1)).toMatchObject({ version: 1, revision: good.revision });
  });

  it('rolls back against the revision the unchanged content moved to', async () => {
    const source = new MemorySource('bot', json({ revision: 1 }));
    const { service } = await boot(source);
    source.publish(json({ revision: 2 }));
    await waitFor(() => service.version === 2, { description: 'v2' });
    const again = source.publish(json({ revision: 2 })); // republished, same text
    await outcomeFor(source, again.revision, 'applied');
    // write() compares with the revision in force: the old one would be a conflict here.
    await expect(service.rollback()).resolves.toEqual({ revision: 1 });
  });

  it('reports "applied" when a staged change is superseded by the config in force', async () => {
    const source = new MemorySource('bot', json({ revision: 1 }));
    const { service } = await boot(source);
    const release = service.hold('order open');
    const next = source.publish(json({ revision: 2 }));
    await outcomeFor(source, next.revision, 'staged');
    expect(service.getHealth().pending).toBe(true);

    const back = source.publish(json({ revision: 1 }));
    await outcomeFor(source, back.revision, 'applied');
    expect(service.getHealth().pending).toBe(false);
    release();
    expect(service.version).toBe(1);
  });

  it('tells the source a decision again when the same content comes back at a new revision', async () => {
    const source = new MemorySource('bot', json({ revision: 1 }));
    const { service } = await boot(source);
    const bad = source.publish(json({ revision: 0 }));
    const first = await outcomeFor(source, bad.revision, 'rejected');
    const again = source.publish(json({ revision: 0 }));
    expect(await outcomeFor(source, again.revision, 'rejected')).toMatchObject({
      error: first.error,
      version: 1,
    });

    const release = service.hold('order open');
    const staged = source.publish(json({ revision: 3 }));
    await outcomeFor(source, staged.revision, 'staged');
    const restaged = source.publish(json({ revision: 3 }));
    await outcomeFor(source, restaged.revision, 'staged');
    release();
    // Applied at the revision it was last published at.
    await outcomeFor(source, restaged.revision, 'applied');
    expect(service.getHistory().at(-1)).toMatchObject({ version: 2, revision: restaged.revision });
  });

  it("reports a veto as 'vetoed' (judged again), and a refused content as 'rejected'", async () => {
    const source = new MemorySource('bot', json({ revision: 1 }));
    const { service } = await boot(source);
    vetoing = true;
    const vetoed = source.publish(json({ revision: 2, halt: true }));
    const told = await outcomeFor(source, vetoed.revision, 'vetoed');
    expect(told.error).toMatchObject({ code: 'CONFIG_REJECTED' });
    expect(told.error!.message).toContain('2 orders still open');

    // The veto is judged again: once the world allows it, the same revision is applied.
    vetoing = false;
    await outcomeFor(source, vetoed.revision, 'applied');
    expect(service.config).toEqual({ revision: 2, halt: true });

    const refused = source.publish('{"revision": 3,');
    expect((await outcomeFor(source, refused.revision, 'rejected')).error).toMatchObject({
      code: 'CONFIG_PARSE',
    });
  });
});
