import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG_PATH } from '../../sample-app/src/config/paths.js';
import { buildOnce } from '../support/build-once.js';
import { PrometheusServer, skipWithoutPrometheus } from '../support/prometheus-server.js';
import { SampleBot } from '../support/sample-bot.js';

const missing = skipWithoutPrometheus('the sample bot scraped by a real Prometheus');
const SECRET = 'sk_live_SCRAPED_91';

describe('the sample bot, scraped by a real Prometheus', () => {
  it('has a Prometheus to run against when CI runs', () => {
    if (process.env.CI === 'true') expect(missing).toBeUndefined();
  });

  describe.skipIf(missing !== undefined)('a bad config saved while it runs', () => {
    let dir: string;
    let configPath: string;
    let bot: SampleBot;
    let prometheus: PrometheusServer;

    beforeAll(async () => {
      await buildOnce('sample-app');
      dir = await mkdtemp(join(tmpdir(), 'sample-prometheus-'));
      configPath = join(dir, 'trend_following.json');
      await copyFile(DEFAULT_CONFIG_PATH, configPath);
      bot = new SampleBot({ CONFIG_PATH: configPath, AUDIT_LOG: join(dir, 'audit.jsonl') });
      const target = new URL(await bot.url()).host;
      prometheus = await PrometheusServer.start({ target });
    }, 120_000);

    afterAll(async () => {
      await bot?.stop();
      await prometheus?.stop();
      if (dir) await rm(dir, { recursive: true, force: true });
    });

    it('reads the reload back through the HTTP API: rejected, last reload unsuccessful', async () => {
      const up = await prometheus.waitFor(
        'config_reloader_last_reload_successful',
        (samples) => samples.length === 1 && samples[0]!.value === 1,
        20_000,
      );
      expect(up[0]!.metric).toMatchObject({ name: 'default', source: 'file', job: 'target' });

      // A secret beside a value the DTO refuses: the rejection must not carry it to a metric.
      const config = JSON.parse(await readFile(configPath, 'utf8')) as Record<string, unknown>;
      const exchange = config.exchange as Record<string, unknown>;
      await writeFile(
        configPath,
        JSON.stringify({ ...config, exchange: { ...exchange, apiKey: SECRET }, strategies: 'x' }),
      );
      await prometheus.waitFor(
        'config_reloader_last_reload_successful',
        (samples) => samples[0]?.value === 0,
        20_000,
      );
      const rejected = await prometheus.waitFor(
        'config_reloader_reloads_total{result="rejected"}',
        (samples) => (samples[0]?.value ?? 0) >= 1,
        20_000,
      );
      expect(rejected[0]!.metric).toMatchObject({ name: 'default', source: 'file' });
      const applied = await prometheus.query('config_reloader_reloads_total{result="applied"}');
      expect(applied[0]!.value).toBe(0); // the initial load is no reload
      const version = await prometheus.query('config_reloader_config_version');
      expect(version[0]!.value).toBe(1); // the config in force stayed

      const everything = await prometheus.query('{__name__=~"config_reloader_.+"}');
      expect(everything.length).toBeGreaterThan(5);
      expect(JSON.stringify(everything)).not.toContain(SECRET);
    });
  });
});
