import 'reflect-metadata';
import { Type } from 'class-transformer';
import { IsNumber, IsString, ValidateNested } from 'class-validator';
import { afterEach, describe, expect, it } from 'vitest';
import { shareUnchanged } from '../../lib/pipeline/structural-sharing.js';
import { ConfigDir } from '../support/config-dir.js';
import { bootReloader, type ReloaderHarness } from '../support/reloader-app.js';

class Risk {
  @IsNumber()
  stopLoss!: number;
}

class Strategy {
  @IsString()
  id!: string;

  @ValidateNested()
  @Type(() => Risk)
  risk!: Risk;
}

class Bot {
  @IsString()
  exchange!: string;

  @ValidateNested({ each: true })
  @Type(() => Strategy)
  strategies!: Strategy[];
}

const bot = (stopLosses: number[], exchange = 'binance') => ({
  exchange,
  strategies: stopLosses.map((stopLoss, index) => ({ id: `s${index}`, risk: { stopLoss } })),
});

describe('shareUnchanged', () => {
  it('keeps the identity of every unchanged subtree and only of those', () => {
    const previous = { a: { x: 1 }, b: [{ y: 2 }, { y: 3 }], c: 'same' };
    const next = { a: { x: 1 }, b: [{ y: 2 }, { y: 4 }], c: 'same' };
    const { value, reused } = shareUnchanged(next, previous);
    expect(value).toBe(next);
    expect(value.a).toBe(previous.a);
    expect(value.b[0]).toBe(previous.b[0]);
    expect(value.b[1]).not.toBe(previous.b[1]);
    expect(value.b).not.toBe(previous.b);
    expect(reused.has(previous.a)).toBe(true);
    expect(reused.has(previous.b)).toBe(false);
    expect(value).toEqual({ a: { x: 1 }, b: [{ y: 2 }, { y: 4 }], c: 'same' });
  });

  it('ignores key order, and returns the previous root when nothing changed', () => {
    const previous = { a: 1, b: { c: 2, d: 3 } };
    expect(shareUnchanged({ b: { d: 3, c: 2 }, a: 1 }, previous).value).toBe(previous);
  });

  it('never shares across prototypes, added or removed keys, or array lengths', () => {
    class Dto {
      x = 1;
    }
    const previous = { dto: { x: 1 }, added: { p: 1 }, removed: { p: 1, q: 2 }, list: [1, 2] };
    const next = { dto: new Dto(), added: { p: 1, q: 2 }, removed: { p: 1 }, list: [1, 2, 3] };
    const { value } = shareUnchanged(next, previous);
    expect(value.dto).toBeInstanceOf(Dto);
    expect(value.added).not.toBe(previous.added);
    expect(value.removed).not.toBe(previous.removed);
    expect(value.list).not.toBe(previous.list);
  });
});

describe('structural sharing through the module', () => {
  let dir: ConfigDir;
  let harness: ReloaderHarness<Bot> | undefined;

  afterEach(async () => {
    await harness?.close();
    harness = undefined;
    await dir?.dispose();
  });

  for (const withDto of [false, true]) {
    it(`keeps unchanged subtrees as the same frozen objects (${withDto ? 'DTO' : 'plain'})`, async () => {
      dir = await ConfigDir.create(bot([0.1, 0.2, 0.3]));
      const seenByVeto: Bot[] = [];
      harness = await bootReloader<Bot>({
        configPath: dir.file,
        autoReload: false,
        ...(withDto ? { dto: Bot } : {}),
        beforeApply: (next) => void seenByVeto.push(next as Bot),
      });
      const { service } = harness;
      const before = service.config;
      await dir.write(bot([0.1, 0.25, 0.3]));
      const after = await service.reloadConfig();

      expect(after.strategies[0]).toBe(before.strategies[0]);
      expect(after.strategies[2]).toBe(before.strategies[2]);
      expect(after.strategies[1]).not.toBe(before.strategies[1]);
      expect(after.strategies[1]!.id).toBe('s1');
      expect(after.strategies[1]!.risk.stopLoss).toBe(0.25);
      expect(after).not.toBe(before);
      if (withDto) {
        expect(after).toBeInstanceOf(Bot);
        expect(after.strategies[1]!.risk).toBeInstanceOf(Risk);
      }
      // beforeApply saw the snapshot exactly as it was applied.
      expect(seenByVeto.at(-1)).toBe(after);
      expect(Object.isFrozen(after.strategies[1]!.risk)).toBe(true);
      expect(Object.isFrozen(after.strategies)).toBe(true);
      // The old version is untouched.
      expect(before.strategies[1]!.risk.stopLoss).toBe(0.2);
    });
  }

  it('shares with the version in force when rolling back', async () => {
    dir = await ConfigDir.create(bot([0.1, 0.2]));
    harness = await bootReloader<Bot>({ configPath: dir.file, autoReload: false });
    const { service } = harness;
    await dir.write(bot([0.1, 0.9]));
    const current = await service.reloadConfig();
    const restored = await service.rollback(1);
    expect(restored.strategies[0]).toBe(current.strategies[0]);
    expect(restored.strategies[1]!.risk.stopLoss).toBe(0.2);
  });
});
