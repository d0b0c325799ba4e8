import { describe, expect, it } from 'vitest';
import { ConfigParseError } from '../../lib/config-reloader.errors.js';
import type { ConfigSource, SourceSnapshot } from '../../lib/interfaces/config-source.interface.js';
import type { Candidate } from '../../lib/pipeline/config.pipeline.js';
import { initialCandidate } from '../../lib/reload/initial-load.js';

const snapshot = (text: string, revision: string): SourceSnapshot => ({
  text,
  revision,
  hash: text,
});
const BAD = snapshot('{bad', '7');
const GOOD = snapshot('{"ok":true}', '8');
/** Refuses anything that is not JSON, the way the real pipeline's parse step does. */
const pipeline = {
  materialize: async (given: SourceSnapshot) => {
    try {
      return { config: JSON.parse(given.text), snapshot: given } as unknown as Candidate<object>;
    } catch {
      throw new ConfigParseError('memory:test', 1, 1, 'memory:test:1:1: not JSON');
    }
  },
};
const sourceOf = (refusedAtStart?: ConfigSource['refusedAtStart']): ConfigSource => ({
  id: 'memory:test',
  read: async () => BAD,
  watch: () => Promise.reject(new Error('not watched here')),
  ...(refusedAtStart ? { refusedAtStart } : {}),
});

describe('initialCandidate: a document refused while the module starts', () => {
  it('fails the start with the refusal when the source offers nothing else', async () => {
    await expect(initialCandidate('default', 'memory:test', sourceOf(), pipeline)).rejects.toThrow(
      'not JSON',
    );
  });

  it("tells the source what was refused and validates the source's fallback in its place", async () => {
    const told: unknown[] = [];
    const source = sourceOf(async (outcome) => {
      told.push(outcome);
      return GOOD;
    });
    const candidate = await initialCandidate('bot', 'memory:test', source, pipeline);
    expect(candidate.config).toEqual({ ok: true });
    expect(told).toEqual([
      {
        name: 'bot',
        state: 'rejected',
        version: 0,
        revision: '7',
        hash: '{bad',
        error: { code: 'CONFIG_PARSE', message: expect.stringContaining('not JSON') },
      },
    ]);
  });

  it('keeps the refusal as the reason when the fallback itself fails', async () => {
    const source = sourceOf(() => Promise.reject(new Error('etcd gone')));
    await expect(initialCandidate('default', 'memory:test', source, pipeline)).rejects.toThrow(
      'not JSON',
    );
  });
});
