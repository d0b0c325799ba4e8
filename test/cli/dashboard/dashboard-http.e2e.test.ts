import { request } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { canaryCliPerSuite } from '../../support/canary-cli.js';
import { startDashboard, type RunningDashboard } from '../../support/dashboard-cli.js';
import { skipWithoutEtcd } from '../../support/etcd-cluster.js';
import { waitFor } from '../../support/wait-for.js';

const missing = skipWithoutEtcd('the dashboard HTTP tests');

const CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; " +
  "img-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

// The dashboard's HTTP rules without a browser: who may act, what every answer carries, what
// /metrics counts. Each test runs the built CLI against a real etcd member.
describe('config-reloader dashboard over HTTP', () => {
  it('has an etcd to run against when CI runs', () => {
    if (process.env.CI === 'true') expect(missing).toBeUndefined();
  });

  describe.skipIf(missing !== undefined)('against a real etcd', () => {
    const suite = canaryCliPerSuite({ risk: { stopLoss: 0.02 } });
    let dashboard: RunningDashboard | undefined;

    afterEach(async () => {
      const ended = await dashboard?.stop();
      dashboard = undefined;
      if (ended) expect(ended.code, ended.stderr).toBe(0);
    });

    const start = async (...flags: string[]) =>
      (dashboard = await startDashboard(suite.etcdFlags(), ...flags));
    const act = (
      action: string,
      { token, origin, body = {} }: { token?: string; origin?: string; body?: object } = {},
    ) =>
      fetch(new URL(`/actions/${action}`, dashboard!.url), {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          origin: origin ?? new URL(dashboard!.url).origin,
          ...(token === undefined ? {} : { 'x-dashboard-token': token }),
        },
        body: JSON.stringify(body),
      });

    it('prints its address and a token, and carries the strict headers on every route', async () => {
      await start();
      expect(dashboard!.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
      expect(dashboard!.token).toMatch(/^[0-9a-f]{32}$/);
      const paths = ['/', '/dashboard.js', '/dom.js', '/dashboard.css', '/metrics', '/nowhere'];
      for (const path of paths) {
        const response = await fetch(new URL(path, dashboard!.url));
        expect(response.headers.get('content-security-policy'), path).toBe(CSP);
        expect(response.headers.get('x-content-type-options'), path).toBe('nosniff');
        expect(response.headers.get('set-cookie'), path).toBeNull();
      }
      const page = await (await fetch(dashboard!.url)).text();
      expect(page).toContain('<script type="module" src="/dashboard.js"></script>');
      expect(page).not.toMatch(/<script>|<style|style="/);
    });

    it('serves the fleet on /snapshot.json as its stream starts, no markup in the text', async () => {
      const published = await suite.keyRevision();
      const bot1 = await suite.member('bot-1');
      const message = '</script><script src="/x.js"></script><!-- & -->';
      await bot1.report({
        state: 'rejected',
        revision: published,
        error: { code: 'CONFIG_VALIDATION', message },
      });
      await start();
      const page = await (await fetch(dashboard!.url)).text();
      expect(page).toContain(
        '<link rel="preload" href="/snapshot.json" as="fetch" crossorigin="anonymous" />',
      );
      const response = await fetch(new URL('/snapshot.json', dashboard!.url));
      expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8');
      expect(response.headers.get('content-security-policy')).toBe(CSP);
      const text = await response.text();
      expect(text).not.toMatch(/[<>&]/);
      const snapshot = JSON.parse(text) as {
        rows: { instanceId: string; error?: { message: string } }[];
      };
      expect(snapshot.rows.map((row) => [row.instanceId, row.error?.message])).toEqual([
        ['bot-1', message],
      ]);
      // The stream starts with the very same text: the page sees that nothing changed.
      const events = await fetch(new URL('/events', dashboard!.url));
      const reader = events.body!.getReader();
      let first = '';
      while (!first.includes('\n\n')) {
        first += new TextDecoder().decode((await reader.read()).value);
      }
      await reader.cancel();
      expect(first).toBe(`event: snapshot\ndata: ${text}\n\n`);
    });

    it('refuses a request whose Host is not its own (a re-pointed name)', async () => {
      await start();
      const { port } = new URL(dashboard!.url);
      const status = await new Promise<number>((resolve, reject) => {
        const sent = request(
          { host: '127.0.0.1', port, path: '/events', headers: { host: `evil.example:${port}` } },
          (response) => {
            response.resume();
            resolve(response.statusCode!);
          },
        );
        sent.on('error', reject);
        sent.end();
      });
      expect(status).toBe(403);
    });

    it('counts the fleet on /metrics by where each instance stands', async () => {
      const published = await suite.keyRevision();
      await suite.member('bot-1');
      await suite.member('bot-2');
      const bot3 = await suite.member('bot-3');
      await bot3.report({
        state: 'rejected',
        revision: published,
        error: { code: 'CONFIG_VALIDATION', message: 'risk.stopLoss: must be <= 0.5' },
      });
      const bot4 = await suite.member('bot-4');
      await bot4.report({ state: 'applied', revision: String(BigInt(published) - 1n) });
      const bot5 = await suite.member('bot-5');
      await bot5.report({ state: 'staged', revision: published });
      const bot6 = await suite.member('bot-6');
      await bot6.report({
        state: 'vetoed',
        revision: published,
        error: { code: 'CONFIG_REJECTED', message: '1 open order' },
      });
      await start();
      const response = await fetch(new URL('/metrics', dashboard!.url));
      expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
      const text = await response.text();
      expect(text).toContain('# TYPE config_reloader_fleet_instances gauge');
      const value = (state: string) =>
        new RegExp(`^config_reloader_fleet_instances\\{state="${state}"\\} (\\d+)$`, 'm').exec(
          text,
        )?.[1];
      expect(['applied', 'rejected', 'vetoed', 'staged', 'behind'].map(value)).toEqual([
        '2',
        '1',
        '1',
        '1',
        '1',
      ]);
    });

    it('refuses an action when actions are off, even with the token', async () => {
      await suite.putCanary({ id: 'c-1' });
      await start();
      const response = await act('abort', { token: dashboard!.token });
      expect(response.status).toBe(403);
      expect(await suite.canary()).toBeDefined();
    });

    it('refuses an action without the token, with a wrong one, and from another origin', async () => {
      await suite.putCanary({ id: 'c-1' });
      await start('--allow-actions');
      expect((await act('abort')).status).toBe(403);
      expect((await act('abort', { token: 'f'.repeat(32) })).status).toBe(403);
      const foreign = await act('abort', {
        token: dashboard!.token,
        origin: 'http://evil.example',
      });
      expect(foreign.status).toBe(403);
      expect(await suite.canary()).toBeDefined();
    });

    it('refuses an action whose body is not one small JSON object, the token notwithstanding', async () => {
      await suite.putCanary({ id: 'c-1' });
      await start('--allow-actions');
      const send = (contentType: string, body: string) =>
        fetch(new URL('/actions/abort', dashboard!.url), {
          method: 'POST',
          headers: {
            'content-type': contentType,
            origin: new URL(dashboard!.url).origin,
            'x-dashboard-token': dashboard!.token,
          },
          body,
        });
      // A form post is what another site's page can send without asking: never an action.
      expect((await send('application/x-www-form-urlencoded', 'a=1')).status).toBe(415);
      expect((await send('text/plain', '{}')).status).toBe(415);
      expect((await send('application/json', 'not json')).status).toBe(400);
      expect((await send('application/json', '[1]')).status).toBe(400);
      expect(
        (await send('application/json', JSON.stringify({ to: 'x'.repeat(5000) }))).status,
      ).toBe(400);
      expect(await suite.canary()).toBeDefined();
    });

    it('aborts the canary with the token from its own origin, and says what it did', async () => {
      await suite.putCanary({ id: 'c-1' });
      await start('--allow-actions');
      const response = await act('abort', { token: dashboard!.token });
      const outcome = (await response.json()) as { ok: boolean; lines: string[] };
      expect(response.status).toBe(200);
      expect(outcome.ok).toBe(true);
      expect(outcome.lines.join('\n')).toContain('aborted');
      await waitFor(async () => (await suite.canary()) === undefined, {
        timeoutMs: 5000,
        description: 'the canary record to be deleted',
      });
    });

    it('promotes the canary with the token: its candidate is on the key, the canary gone', async () => {
      const candidate = { risk: { stopLoss: 0.03 } };
      await suite.putCanary({ id: 'c-2', candidate: JSON.stringify(candidate) });
      await start('--allow-actions');
      const response = await act('promote', { token: dashboard!.token });
      expect(response.status).toBe(200);
      expect(JSON.parse((await suite.client.get(suite.key).string())!)).toEqual(candidate);
      expect(await suite.canary()).toBeUndefined();
    });

    it('rolls the key back to a given revision with the token, and says no to a bad one', async () => {
      const first = await suite.keyRevision();
      await suite.client.put(suite.key).value('{"risk":{"stopLoss":0.04}}');
      await start('--allow-actions');
      const bad = await act('rollback', { token: dashboard!.token, body: { to: '1; rm' } });
      expect(bad.status).toBe(409);
      const response = await act('rollback', { token: dashboard!.token, body: { to: first } });
      const outcome = (await response.json()) as { ok: boolean; lines: string[] };
      expect(response.status, outcome.lines.join('\n')).toBe(200);
      expect(JSON.parse((await suite.client.get(suite.key).string())!)).toEqual({
        risk: { stopLoss: 0.02 },
      });
    });

    it('refuses a roll back while a canary runs, as the command does: the key is its base', async () => {
      await suite.client.put(suite.key).value('{"risk":{"stopLoss":0.04}}');
      await suite.putCanary({ id: 'c-3' });
      const revision = await suite.keyRevision();
      await start('--allow-actions');
      const response = await act('rollback', { token: dashboard!.token });
      const outcome = (await response.json()) as { ok: boolean; lines: string[] };
      expect(response.status).toBe(409);
      expect(outcome.lines.join('\n')).toContain('a canary is in progress');
      expect(await suite.keyRevision()).toBe(revision);
    });
  });
});
