import { describe, expect, it } from 'vitest';
import { canaryCliPerSuite } from '../../support/canary-cli.js';
import { skipWithoutEtcd } from '../../support/etcd-cluster.js';
import { waitFor } from '../../support/wait-for.js';

const missing = skipWithoutEtcd('the publish --canary --wait tests against etcd');
const BASE = { symbol: 'ANY', risk: { stopLoss: 0.02 } };
const CANDIDATE = { ...BASE, risk: { stopLoss: 0.03 } };
const running = (child: { exitCode: number | null }) => child.exitCode === null;

// The tests play the instances: they write the status records an instance writes once it
// judged the canary, and take their leases away as a process that dies does.
describe('config-reloader publish --canary --wait', () => {
  it('has an etcd to run against when CI runs', () => {
    if (process.env.CI === 'true') expect(missing).toBeUndefined();
  });

  describe.skipIf(missing !== undefined)('against a real etcd', () => {
    const suite = canaryCliPerSuite(BASE);
    const publish = (...more: string[]) =>
      suite.publishCanary(CANDIDATE, 'symbol=BTC', '--wait', '--timeout', '20s', ...more);

    it('shows a staged member and waits for it, bakes, and says the canary is healthy (exit 0)', async () => {
      const btc = await suite.member('bot-btc', { symbol: 'BTC' });
      await suite.member('bot-eth', { symbol: 'ETH' });
      const run = await publish('--bake', '1s');
      const { record, modRevision } = await suite.canaryCreated();
      await btc.report({ state: 'staged', revision: modRevision, canary: record.id });
      await waitFor(() => run.stdout().includes('staged   bot-btc'), {
        timeoutMs: 10_000,
        description: 'the staged row',
      });
      expect(running(run.child)).toBe(true);
      await btc.report({ state: 'applied', revision: modRevision, canary: record.id });
      const result = await run.result;
      expect(result.code).toBe(0);
      expect(result.stdout).toMatch(
        /staged {3}bot-btc on \S+ \(symbol=BTC\): holds the candidate staged/,
      );
      expect(result.stdout).toMatch(/applied {2}bot-btc on \S+ \(symbol=BTC\): runs the candidate/);
      expect(result.stdout).toContain('all 1 live member(s) applied the candidate; baking for 1s');
      expect(result.stdout).toContain(`canary ${record.id} is healthy`);
      expect(result.stdout + result.stderr).not.toContain('bot-eth');
      expect(await suite.canary()).toEqual(record);
    });

    it.each([
      ['rejected', ''],
      ['vetoed', ' (a veto counts as a rejection)'],
    ] as const)(
      'aborts the canary and exits 5 when a member says %s during the bake',
      async (state, note) => {
        const btc = await suite.member('bot-btc', { symbol: 'BTC' });
        const run = await publish('--bake', '1m');
        const { record, modRevision } = await suite.canaryCreated();
        await btc.report({ state: 'applied', revision: modRevision, canary: record.id });
        await waitFor(() => run.stdout().includes('baking for 1m'), { timeoutMs: 10_000 });
        const error = { code: 'CONFIG_REJECTED', message: 'drawdown\n  bot-x  applied' };
        await btc.report({ state, revision: modRevision, canary: record.id, error });
        const result = await run.result;
        expect(result.code).toBe(5);
        expect(result.stderr).toContain(`canary ${record.id} failed:`);
        expect(result.stderr).toContain(`${state.padEnd(8)} bot-btc on `);
        // The member's message is untrusted text: on one line, never a row of its own.
        expect(result.stderr).toMatch(
          /\(symbol=BTC\): CONFIG_REJECTED: drawdown \/ bot-x {2}applied/,
        );
        expect(result.stderr).toContain(`applied${note}`);
        expect(result.stderr).toContain(`the canary ${record.id} is marked aborted`);
        expect((await suite.canary())!.aborted).toMatchObject({
          by: 'cli',
          error: { code: 'CANARY_UNHEALTHY', message: `bot-btc ${state} (CONFIG_REJECTED)` },
        });
      },
    );

    it('aborts the canary and exits 5 when a member vanishes (its lease ends)', async () => {
      const btc = await suite.member('bot-btc', { symbol: 'BTC' });
      const run = await publish();
      await suite.canaryCreated();
      // The member must vanish after the command saw it: vanishing before its first look
      // leaves a canary that matches nobody, which is healthy.
      await waitFor(() => run.stdout().includes('behind   bot-btc'), {
        timeoutMs: 10_000,
        description: 'the command to list bot-btc as a member',
      });
      await btc.vanish();
      const result = await run.result;
      expect(result.code).toBe(5);
      expect(result.stderr).toMatch(/gone {5}bot-btc on \S+ \(symbol=BTC\): its record vanished/);
      expect((await suite.canary())!.aborted).toMatchObject({
        by: 'cli',
        error: { message: 'bot-btc vanished' },
      });
    });

    it('never calls a canary that no instance ran healthy: waits for a member to join', async () => {
      await suite.member('bot-eth', { symbol: 'ETH' });
      const before = await suite.keyRevision();
      const nobody = await (
        await suite.publishCanary(
          CANDIDATE,
          'symbol=BTC',
          '--wait',
          '--promote',
          '--bake',
          '1s',
          '--timeout',
          '3s',
        )
      ).result;
      expect(nobody.code).toBe(6);
      expect(nobody.stderr).toContain('no live instance under');
      expect(nobody.stderr).toContain('waiting for one to start');
      expect(nobody.stdout).not.toContain('is healthy');
      expect(await suite.keyRevision()).toBe(before);
      expect((await suite.canary())!.aborted).toBeUndefined();

      await suite.client.delete().key(suite.canaryKey());
      const run = await publish();
      const { record, modRevision } = await suite.canaryCreated();
      await waitFor(() => run.stderr().includes('waiting for one to start'), { timeoutMs: 10_000 });
      const btc = await suite.member('bot-btc', { symbol: 'BTC' });
      await btc.report({ state: 'applied', revision: modRevision, canary: record.id });
      const joined = await run.result;
      expect(joined.code).toBe(0);
      expect(joined.stdout).toContain(`canary ${record.id} is healthy: 1 live member(s)`);
    });

    it('exits 5 naming the member that marked the canary aborted, and its reason', async () => {
      await suite.member('bot-btc', { symbol: 'BTC' });
      const run = await publish();
      const { record } = await suite.canaryCreated();
      await waitFor(() => run.stdout().includes('waiting up to 20s'), { timeoutMs: 10_000 });
      const aborted = {
        by: 'bot-btc',
        at: new Date().toISOString(),
        error: { code: 'CONFIG_VALIDATION', message: 'risk.stopLoss: must be <= 0.025' },
      };
      await suite.putCanary({ ...record, aborted });
      const result = await run.result;
      expect(result.code).toBe(5);
      expect(result.stderr).toContain(
        '  aborted  bot-btc: CONFIG_VALIDATION: risk.stopLoss: must be <= 0.025 (it marked the canary aborted)',
      );
      expect((await suite.canary())!.aborted).toEqual(aborted);
    });

    it('leaves the canary in place at the timeout (exit 6) and on Ctrl+C (exit 130)', async () => {
      await suite.member('bot-btc', { symbol: 'BTC' });
      const timedOut = await (
        await suite.publishCanary(CANDIDATE, 'symbol=BTC', '--wait', '--timeout', '2s')
      ).result;
      expect(timedOut.code).toBe(6);
      expect(timedOut.elapsedMs).toBeGreaterThanOrEqual(2000);
      expect(timedOut.stderr).toContain('within 2s; the canary is left in place');
      expect(timedOut.stderr).toMatch(/behind {3}bot-btc on \S+ \(symbol=BTC\): has not applied/);
      const left = (await suite.canary())!;
      expect(left.aborted).toBeUndefined();

      await suite.client.delete().key(suite.canaryKey());
      const run = await publish();
      await suite.canaryCreated();
      await waitFor(() => run.stdout().includes('waiting up to 20s'), { timeoutMs: 10_000 });
      run.child.kill('SIGINT');
      const interrupted = await run.result;
      expect(interrupted.code).toBe(130);
      expect(interrupted.stderr).toContain('interrupted: the canary is left in place');
      expect((await suite.canary())!.aborted).toBeUndefined();
    });

    it('with --promote, promotes a healthy canary and waits for the whole fleet', async () => {
      const btc = await suite.member('bot-btc', { symbol: 'BTC' });
      const eth = await suite.member('bot-eth', { symbol: 'ETH' });
      const run = await publish('--promote');
      const { record, modRevision } = await suite.canaryCreated();
      await btc.report({ state: 'applied', revision: modRevision, canary: record.id });
      const promoted = await waitFor(
        async () => {
          const kv = (await suite.client.get(suite.key).exec()).kvs[0]!;
          return kv.value.toString() === JSON.stringify(CANDIDATE) ? kv.mod_revision : undefined;
        },
        { timeoutMs: 10_000, description: 'the promote' },
      );
      expect(await suite.canary()).toBeUndefined();
      for (const member of [btc, eth])
        await member.report({ state: 'applied', revision: promoted });
      const result = await run.result;
      expect(result.code).toBe(0);
      expect(result.stdout).toContain(
        `promoted canary ${record.id} -> "${suite.key}" at revision ${promoted}`,
      );
      expect(result.stdout).toContain(
        `rolled out: all 2 live instance(s) applied revision ${promoted}`,
      );
    });
  });
});
