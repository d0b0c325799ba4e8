import { InvalidArgumentError } from 'commander';
import { describe, expect, it } from 'vitest';
import { formatLabels } from '../../../lib/cli/shared/identity.format.js';
import { formatSelector, parseSelectorFlag } from '../../../lib/cli/shared/selector.flag.js';

/** The usage error a selector is refused with. */
const refusal = (value: string) => {
  try {
    parseSelectorFlag(value);
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidArgumentError); // commander exits 2 with its message
    return (error as Error).message;
  }
  throw new Error(`expected "${value}" to be refused`);
};

describe('the command-line selector (--canary, --match)', () => {
  it('reads shares of the fleet, a seed, instances and labels, trimming around each term', () => {
    expect(parseSelectorFlag('10%')).toEqual({ percent: 10 });
    expect(parseSelectorFlag('2.5%')).toEqual({ percent: 2.5 });
    expect(parseSelectorFlag('50%..100%')).toEqual({ percent: [50, 100] });
    expect(parseSelectorFlag(' 0%..12.5% , seed=exp-7 ')).toEqual({
      percent: [0, 12.5],
      seed: 'exp-7',
    });
    expect(parseSelectorFlag('instance=bot-3, instance = bot-4,instance=bot-3')).toEqual({
      instances: ['bot-3', 'bot-4'],
    });
    expect(parseSelectorFlag('symbol=BTC,region=eu,app.kubernetes.io/name=bot')).toEqual({
      labels: { symbol: 'BTC', region: 'eu', 'app.kubernetes.io/name': 'bot' },
    });
    // The first "=" ends the name; the same label twice with one value is one condition.
    expect(parseSelectorFlag('query=a=b,query=a=b')).toEqual({ labels: { query: 'a=b' } });
  });

  it('refuses an empty selector or term, naming where', () => {
    expect(refusal('')).toContain('an empty selector');
    expect(refusal('  ')).toContain('an empty selector');
    expect(refusal('10%,,symbol=BTC')).toContain('term 2 is empty');
    expect(refusal('symbol=BTC,')).toContain('term 2 is empty');
  });

  it('refuses a bad share of the fleet, naming the term', () => {
    for (const term of ['101%', '-5%', '10 %', '%', '1e2%', '50%..', '60%..40%', '50..100%']) {
      expect(refusal(term), term).toContain(`"${term}": a share of the fleet from 0% to 100%`);
    }
    expect(refusal('10%,20%')).toContain('"20%": a share of the fleet is given twice');
    expect(refusal('10')).toContain('"10" is not a term (did you mean 10%?)');
    expect(refusal('BTC')).toContain('"BTC" is not a term');
  });

  it('refuses "=" without a name or a value, and a label or seed given two values', () => {
    expect(refusal('=BTC')).toContain('"=BTC": "=" without a name');
    expect(refusal('symbol=')).toContain('"symbol=": no value after "="');
    expect(refusal('symbol=BTC,symbol=ETH')).toContain('"symbol=ETH": "symbol" is already "BTC"');
    expect(refusal('seed=a,seed=b')).toContain('"seed=b": "seed" is already "a"');
  });

  it('refuses a label name no instance can have, prototype keys among them', () => {
    for (const name of ['__proto__', 'constructor', 'prototype']) {
      expect(refusal(`${name}=x`)).toContain('no label names');
    }
    expect(refusal('sym bol=BTC')).toContain('"sym bol" is no label name');
    expect(refusal('-x=1')).toContain('is no label name');
  });

  it('escapes control characters in the term it names', () => {
    const message = refusal('x\u001b[2J');
    expect(message).toContain('"x\\u001b[2J" is not a term');
    expect(message).not.toContain('\u001b');
  });
});

describe('formatSelector', () => {
  it('prints a selector back in the syntax it is read in', () => {
    for (const text of [
      '10%',
      '50%..100%',
      '0%..12.5%,seed=exp-7',
      'region=eu,symbol=BTC',
      'instance=bot-3,instance=bot-4',
      '25%,seed=s,symbol=BTC,instance=bot-1',
    ]) {
      expect(formatSelector(parseSelectorFlag(text))).toBe(text);
    }
    expect(formatSelector({})).toBe('100%'); // every instance, as the command line says it
  });

  it('shows untrusted names and values on one line, quoted when they would read as more', () => {
    expect(formatLabels({ symbol: 'BTC,region=eu', a: 'x\u001b[2J\ny', b: 'q"x' })).toBe(
      'a="x\\u001b[2J / y",b="q\\"x",symbol="BTC,region=eu"',
    );
    expect(formatSelector({ labels: { seed: 'x', instance: 'y' } })).toBe('"instance"=y,"seed"=x');
    expect(formatSelector({ seed: 'a b', instances: ['', 'bot=1'] })).toBe(
      'seed="a b",instance="",instance=bot=1',
    );
    expect(formatLabels({})).toBe('');
  });
});
