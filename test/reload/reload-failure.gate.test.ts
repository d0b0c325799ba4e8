import { describe, expect, it } from 'vitest';
import {
  ConfigParseError,
  ConfigRejectedError,
  ConfigTooLargeError,
} from '../../lib/config-reloader.errors.js';
import { ReloadFailureGate } from '../../lib/reload/reload-failure.gate.js';

const FILE = '/srv/bot/config.json';

function gateWithClock(graceMs = 250) {
  let now = 1_000;
  const gate = new ReloadFailureGate(graceMs, () => now);
  return { gate, advance: (ms: number) => (now += ms) };
}

describe('ReloadFailureGate', () => {
  it('holds a failure until the file has stayed still for the grace period', () => {
    const { gate, advance } = gateWithClock(250);
    const error = new ConfigParseError(FILE, 1, 2, 'bad');
    gate.failed(error, 'hash-a');
    expect(gate.due()).toEqual({ waitMs: 250 });
    advance(100);
    expect(gate.due()).toEqual({ waitMs: 150 });
    advance(150);
    expect(gate.due()).toEqual({ report: error });
    expect(gate.due()).toBeUndefined(); // reported once
  });

  it('reports the same bad content once, and knows it is bad', () => {
    const { gate, advance } = gateWithClock(0);
    gate.failed(new ConfigParseError(FILE, 1, 2, 'bad'), 'hash-a');
    expect(gate.due()).toMatchObject({ report: expect.any(ConfigParseError) });
    gate.failed(new ConfigParseError(FILE, 1, 2, 'bad'), 'hash-a');
    advance(10);
    expect(gate.due()).toBeUndefined();
    expect(gate.isKnownBad('hash-a')).toBe(true);
    expect(gate.isKnownBad('hash-b')).toBe(false);
  });

  it('keys failures without a hash by what went wrong', () => {
    const { gate } = gateWithClock(0);
    gate.failed(new ConfigTooLargeError(FILE, 20, 10));
    expect(gate.due()).toMatchObject({ report: expect.any(ConfigTooLargeError) });
    gate.failed(new ConfigTooLargeError(FILE, 20, 10));
    expect(gate.due()).toBeUndefined();
    gate.failed(new ConfigTooLargeError(FILE, 30, 10)); // a different state: reported
    expect(gate.due()).toMatchObject({ report: expect.any(ConfigTooLargeError) });
  });

  it('replaces a waiting failure by a newer one (a writer still busy)', () => {
    const { gate, advance } = gateWithClock(100);
    gate.failed(new ConfigParseError(FILE, 1, 1, 'first'), 'hash-a');
    advance(80);
    const second = new ConfigParseError(FILE, 1, 9, 'second');
    gate.failed(second, 'hash-b');
    advance(80);
    expect(gate.due()).toEqual({ waitMs: 20 });
    advance(20);
    expect(gate.due()).toEqual({ report: second });
  });

  it('judges a veto again after the interval, reporting the same reason once', () => {
    const { gate, advance } = gateWithClock(0);
    const veto = new ConfigRejectedError(FILE, new Error('open positions'));
    gate.failed(veto, 'hash-a');
    expect(gate.isKnownBad('hash-a')).toBe(false); // a veto is judged afresh
    expect(gate.shouldJudgeVetoAgain(1000)).toBe(false);
    advance(1000);
    expect(gate.shouldJudgeVetoAgain(1000)).toBe(true);
    expect(gate.shouldJudgeVetoAgain(0)).toBe(false); // the periodic check is off
    expect(gate.due()).toEqual({ report: veto });
    gate.failed(new ConfigRejectedError(FILE, new Error('open positions')), 'hash-a');
    expect(gate.due()).toBeUndefined();
    expect(gate.shouldJudgeVetoAgain(1000)).toBe(false); // judged just now
  });

  it('forgets everything on clear, and only the waiting failure on dropPending', () => {
    const { gate } = gateWithClock(0);
    gate.failed(new ConfigParseError(FILE, 1, 2, 'bad'), 'hash-a');
    gate.dropPending();
    expect(gate.due()).toBeUndefined();
    expect(gate.isKnownBad('hash-a')).toBe(true);
    gate.clear();
    expect(gate.isKnownBad('hash-a')).toBe(false);
  });
});
