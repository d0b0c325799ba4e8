import 'reflect-metadata';
import { IsNumber, IsOptional, Matches, Max } from 'class-validator';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SourceListener, SourceWatch } from '../../lib/index.js';
import { MemorySource } from '../support/memory.source.js';
import { bootReloader, type ReloaderHarness } from '../support/reloader-app.js';

class Bot {
  @IsNumber() @Max(1) stopLoss!: number;
  // A message that quotes the value: under a secret key it must never be shown.
  @IsOptional() @Matches(/^sk_/, { message: '$property $value is bad' }) apiKey?: string;
}

/** A memory source that keeps the listener the module watches it with. */
class ListenedSource extends MemorySource {
  listener: SourceListener | undefined;

  override async watch(listener: SourceListener): Promise<SourceWatch> {
    this.listener = listener;
    return super.watch(listener);
  }
}

const doc = (value: object) => JSON.stringify(value);

describe('a trial: the reload path judges a document and applies nothing', () => {
  let dir: string;
  let source: ListenedSource;
  let harness: ReloaderHarness<Bot>;
  const vetoed: { next: Bot; current: Bot }[] = [];

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'trial-'));
    source = new ListenedSource('bot', doc({ stopLoss: 0.02 }));
    vetoed.length = 0;
    harness = await bootReloader<Bot>({
      configSource: source,
      dto: Bot,
      debounceMs: 0,
      auditLogPath: join(dir, 'audit.jsonl'),
      beforeApply: (next, current) => {
        vetoed.push({ next: { ...next }, current: { ...current } });
        if (next.stopLoss > 0.5) throw new Error('3 open positions');
      },
    });
  });

  afterEach(async () => {
    await harness.close();
    await rm(dir, { recursive: true, force: true });
  });

  const trial = (text: string) => source.listener!.trial!(text);
  const audit = async () => (await readFile(join(dir, 'audit.jsonl'), 'utf8')).split('\n');

  /** Everything a reload would have changed, to compare before and after a trial. */
  const state = async () => ({
    version: harness.service.version,
    config: { ...harness.service.config },
    history: harness.service.getHistory().length,
    health: harness.service.getHealth().consecutiveErrors,
    reloaded: harness.reloaded.length,
    failed: harness.failed.length,
    outcomes: source.outcomes.length,
    audit: await audit(),
  });

  it('accepts a valid document after running beforeApply on it, and applies nothing', async () => {
    const before = await state();
    expect(await trial(doc({ stopLoss: 0.05 }))).toEqual({ accepted: true });
    expect(vetoed).toEqual([{ next: { stopLoss: 0.05 }, current: { stopLoss: 0.02 } }]);
    expect(await state()).toEqual(before);
  });

  it('rejects an invalid document with the error a reload would report, and applies nothing', async () => {
    const before = await state();
    const verdict = await trial(doc({ stopLoss: 7 }));
    expect(verdict).toMatchObject({ accepted: false, error: { code: 'CONFIG_VALIDATION' } });
    expect(verdict.accepted || verdict.error.message).toContain('stopLoss');
    expect(vetoed).toEqual([]);
    expect(await state()).toEqual(before);
  });

  it('rejects what beforeApply refuses, with its reason', async () => {
    const before = await state();
    const verdict = await trial(doc({ stopLoss: 0.9 }));
    expect(verdict).toMatchObject({ accepted: false, error: { code: 'CONFIG_REJECTED' } });
    expect(verdict.accepted || verdict.error.message).toContain('3 open positions');
    expect(await state()).toEqual(before);
  });

  it('rejects a document that does not parse, with line and column', async () => {
    const verdict = await trial('{"stopLoss": 0.02,}');
    expect(verdict).toMatchObject({ accepted: false, error: { code: 'CONFIG_PARSE' } });
    expect(verdict.accepted || verdict.error.message).toMatch(/line 1, column \d+/);
  });

  it('never quotes a secret value, even when the DTO message does', async () => {
    const verdict = await trial(doc({ stopLoss: 0.02, apiKey: 'LIVEKEY_77' }));
    expect(verdict).toMatchObject({ accepted: false, error: { code: 'CONFIG_VALIDATION' } });
    expect(verdict.accepted || verdict.error.message).toContain('apiKey: failed Matches');
    expect(JSON.stringify(verdict)).not.toContain('LIVEKEY');
  });

  it('accepts the content in force unseen, as a reload does nothing with it', async () => {
    expect(await trial(doc({ stopLoss: 0.02 }))).toEqual({ accepted: true });
    expect(vetoed).toEqual([]);
  });

  it('judges against the config in force, and a later reload still applies as usual', async () => {
    expect(await trial(doc({ stopLoss: 0.05 }))).toEqual({ accepted: true });
    source.publish(doc({ stopLoss: 0.05 }));
    await harness.service.reloadConfig();
    expect(harness.service.version).toBe(2);
    expect(harness.service.config.stopLoss).toBe(0.05);
  });
});
