import 'reflect-metadata';
import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import {
  ConfigConflictError,
  type ConfigSource,
  type SourceListener,
  type SourceOutcome,
  type SourceSnapshot,
  type SourceWatch,
} from '../../lib/index.js';
import { assembleLayeredDocument } from '../../lib/pipeline/document/layered-document.js';
import { MemorySource } from '../support/memory.source.js';
import { bootReloader, type ReloaderHarness } from '../support/reloader-app.js';
import { waitFor } from '../support/wait-for.js';

type Bot = { revision: number; maxPosition?: number; halt?: boolean };

/** A source that layers named merge patches over a base, as a fleet source does. */
class LayeredSource implements ConfigSource {
  readonly id = 'layered:bot';
  readonly outcomes: SourceOutcome[] = [];
  /** Every base text `write()` was given. */
  readonly written: string[] = [];
  private revision = 1;
  private readonly listeners = new Set<SourceListener>();

  constructor(
    public base: string,
    private overlays: [name: string, patch: object][],
  ) {}

  async read(): Promise<SourceSnapshot> {
    return this.snapshot();
  }

  async watch(listener: SourceListener): Promise<SourceWatch> {
    this.listeners.add(listener);
    return { active: true, close: async () => void this.listeners.delete(listener) };
  }

  async write(text: string, expectedRevision: string): Promise<SourceSnapshot> {
    if (expectedRevision !== String(this.revision)) {
      throw new ConfigConflictError(this.id, expectedRevision, String(this.revision), 'moved');
    }
    this.written.push(text);
    this.base = text;
    this.revision++;
    return this.snapshot();
  }

  report(outcome: SourceOutcome): void {
    this.outcomes.push(outcome);
  }

  /** An operator's change to the base or the overlays, handed to every watcher. */
  change(base: string, overlays = this.overlays): void {
    this.base = base;
    this.overlays = overlays;
    this.revision++;
    for (const listener of this.listeners) listener.changed(this.snapshot());
  }

  private snapshot(): SourceSnapshot {
    const layers = this.overlays.map(([name, patch]) => ({ name, patch }));
    const document = assembleLayeredDocument(this.base, this.id, layers);
    return {
      text: document.text,
      revision: String(this.revision),
      hash: createHash('sha256').update(document.text).digest('hex'),
      ...(layers.length > 0
        ? { variant: { overlays: document.overlays }, baseText: document.baseText }
        : {}),
    };
  }
}

const json = (config: Bot) => JSON.stringify(config);

describe('the variant of each document, as health, history and the source hear it', () => {
  let harness: ReloaderHarness<Bot> | undefined;
  let vetoing = false;

  afterEach(async () => {
    await harness?.close();
    harness = undefined;
    vetoing = false;
  });

  const boot = async (source: ConfigSource) => {
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

  const told = (source: LayeredSource, revision: string, state: SourceOutcome['state']) =>
    waitFor(
      () =>
        source.outcomes.find((outcome) => outcome.revision === revision && outcome.state === state),
      { description: `'${state}' at ${revision}; told: ${JSON.stringify(source.outcomes)}` },
    );

  it('passes the snapshot’s variant in every outcome: applied, rejected, vetoed and staged', async () => {
    const source = new LayeredSource(json({ revision: 1 }), [['btc', { maxPosition: 2 }]]);
    const { service } = await boot(source);
    const variant = { overlays: ['btc'] };
    expect(source.outcomes).toEqual([expect.objectContaining({ state: 'applied', variant })]);
    expect(service.getHealth().variant).toEqual(variant);
    expect(service.getHistory()[0]).toMatchObject({ variant, baseText: json({ revision: 1 }) });

    source.change(json({ revision: 0 }));
    expect(await told(source, '2', 'rejected')).toMatchObject({ variant });
    vetoing = true;
    source.change(json({ revision: 2, halt: true }));
    expect(await told(source, '3', 'vetoed')).toMatchObject({ variant });
    vetoing = false;
    const release = service.hold('trade');
    source.change(json({ revision: 4 }), [['eth', { maxPosition: 3 }]]);
    expect(await told(source, '4', 'staged')).toMatchObject({ variant: { overlays: ['eth'] } });
    release();
    expect(await told(source, '4', 'applied')).toMatchObject({ variant: { overlays: ['eth'] } });
    expect(service.getHealth().variant).toEqual({ overlays: ['eth'] });
  });

  it('tells no variant for a source that does not layer, and health shows none', async () => {
    const source = new MemorySource('bot', json({ revision: 1 }));
    const { service } = await boot(source);
    source.publish(json({ revision: 2 }));
    await waitFor(() => service.version === 2, { description: 'the change applied' });
    expect(source.outcomes.length).toBeGreaterThan(0);
    expect(source.outcomes.every((outcome) => !('variant' in outcome))).toBe(true);
    expect(service.getHealth().variant).toEqual({ overlays: [] });
    expect(service.getHistory().map((entry) => entry.variant)).toEqual([
      { overlays: [] },
      { overlays: [] },
    ]);
    expect(service.getHistory().every((entry) => !('baseText' in entry))).toBe(true);
  });

  it('moves the variant, not the version, when other layers make the same document', async () => {
    const source = new LayeredSource(json({ revision: 1 }), [['btc', { maxPosition: 2 }]]);
    const { service } = await boot(source);
    // The base now says it itself; the overlay that said it is gone, another one changes nothing.
    source.change(json({ revision: 1, maxPosition: 2 }), [['quiet', { maxPosition: 2 }]]);
    expect(await told(source, '2', 'applied')).toMatchObject({ variant: { overlays: ['quiet'] } });
    expect(service.version).toBe(1);
    expect(service.getHealth().variant).toEqual({ overlays: ['quiet'] });
    expect(service.getHistory()).toEqual([
      expect.objectContaining({
        version: 1,
        revision: '2',
        variant: { overlays: ['quiet'] },
        baseText: json({ revision: 1, maxPosition: 2 }),
      }),
    ]);
  });

  it('rolls back by writing the base of that version, never the document its layers made', async () => {
    const source = new LayeredSource(json({ revision: 1 }), [['btc', { maxPosition: 2 }]]);
    const { service } = await boot(source);
    source.change(json({ revision: 2 }));
    await waitFor(() => service.version === 2, { description: 'the change applied' });

    await expect(service.rollback(1)).resolves.toEqual({ revision: 1, maxPosition: 2 });
    expect(source.written).toEqual([json({ revision: 1 })]);
    expect(service.getHistory().at(-1)).toMatchObject({
      source: 'rollback',
      hash: service.getHistory()[0]!.hash,
      variant: { overlays: ['btc'] },
    });
  });

  it('puts the base back when what the layers make of it is vetoed', async () => {
    const oldBase = json({ revision: 1, halt: true });
    const source = new LayeredSource(oldBase, [['btc', { maxPosition: 2 }]]);
    const { service } = await boot(source);
    source.change(json({ revision: 2 }));
    await waitFor(() => service.version === 2, { description: 'the change applied' });
    vetoing = true; // the app now refuses a halted bot, which the old base is

    await expect(service.rollback(1)).rejects.toMatchObject({ code: 'CONFIG_REJECTED' });
    expect(source.written).toEqual([oldBase, json({ revision: 2 })]);
    expect(source.base).toBe(json({ revision: 2 }));
    expect(service.version).toBe(2);
    expect(service.config).toEqual({ revision: 2, maxPosition: 2 });
  });
});
