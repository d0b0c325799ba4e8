import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PrometheusServer, skipWithoutPrometheus } from '../support/prometheus-server.js';

const rulesFile = fileURLToPath(
  new URL('../../monitoring/config-reloader.rules.yml', import.meta.url),
);
const alertNames = (
  parse(readFileSync(rulesFile, 'utf8')) as { groups: { rules: { alert: string }[] }[] }
).groups.flatMap((group) => group.rules.map((rule) => rule.alert));

/** What an app with a config that failed to reload shows on its /metrics. */
const metricsPage = [
  '# HELP config_reloader_last_reload_successful Whether the last reload succeeded.',
  '# TYPE config_reloader_last_reload_successful gauge',
  'config_reloader_last_reload_successful{name="default",source="file"} 0',
  '',
].join('\n');

const missing = skipWithoutPrometheus('the tests against a real Prometheus');

describe('the test Prometheus', () => {
  // In CI a missing Prometheus is a broken set-up, not a reason to skip.
  it.runIf(process.env.CI === 'true')('is there when CI runs', () => {
    expect(missing).toBeUndefined();
  });

  describe.skipIf(missing !== undefined)('against a real server', () => {
    let app: Server | undefined;
    let target = '';
    let prometheus: PrometheusServer | undefined;

    beforeAll(async () => {
      app = createServer((request, response) => {
        if (request.url !== '/metrics') return void response.writeHead(404).end();
        response.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end(metricsPage);
      });
      await new Promise<void>((resolve) => app!.listen(0, '127.0.0.1', resolve));
      target = `127.0.0.1:${(app.address() as { port: number }).port}`;
      prometheus = await PrometheusServer.start({ target, ruleFiles: [rulesFile] });
    }, 30_000);

    afterAll(async () => {
      await prometheus?.stop();
      await new Promise((resolve) => app?.close(resolve));
    });

    it('scrapes the target and answers queries on what it scraped', async () => {
      const [sample, ...others] = await prometheus!.waitFor(
        'config_reloader_last_reload_successful',
        (samples) => samples.length > 0,
      );
      expect(others).toEqual([]);
      expect(sample!.value).toBe(0);
      expect(sample!.metric).toMatchObject({
        name: 'default',
        source: 'file',
        instance: target,
        job: 'target',
      });
    }, 30_000);

    it('loads the shipped alert rules as one healthy group', async () => {
      const groups = await prometheus!.ruleGroups();
      expect(groups.map((group) => group.name)).toEqual(['config-reloader']);
      const rules = groups[0]!.rules;
      expect(rules.map((rule) => rule.name)).toEqual(alertNames);
      expect(rules.filter((rule) => rule.type !== 'alerting')).toEqual([]);
      // Health is `unknown` until the first evaluation, `err` when the expression fails there.
      expect(rules.filter((rule) => rule.health === 'err')).toEqual([]);
    });

    it('evaluates the bad-config alert against the scraped gauge (pending: its for is 10m)', async () => {
      const [alert] = await prometheus!.waitFor(
        'ALERTS{alertname="ConfigReloaderBadConfig"}',
        (samples) => samples.length > 0,
      );
      expect(alert!.metric).toMatchObject({
        alertstate: 'pending',
        name: 'default',
        instance: target,
      });
    }, 30_000);
  });
});
