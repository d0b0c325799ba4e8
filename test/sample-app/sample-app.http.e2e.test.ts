import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { REDACTED } from 'nestjs-config-reloader';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AppModule } from '../../sample-app/src/app.module.js';
import { DEFAULT_CONFIG_PATH } from '../../sample-app/src/config/paths.js';
import type { TrendFollowingConfig } from '../../sample-app/src/config/trend-following.config.js';
import { waitFor } from '../support/wait-for.js';

interface Response<B> {
  status: number;
  text: string;
  body: B;
}

interface HealthBody {
  status: string;
  info?: Record<string, { status: string; version: number; lastErrorCode: string | null }>;
  error?: Record<string, { status: string }>;
}

interface ConfigBody {
  name: string;
  version: number;
  loadedAt: string;
  config: TrendFollowingConfig;
  lastChanges: string[];
  health: { status: string; version: number; pending: boolean; holds: string[] };
}

describe('sample app over HTTP', () => {
  let dir: string;
  let configPath: string;
  let originalText: string;
  let original: TrendFollowingConfig;
  let app: INestApplication | undefined;
  let baseUrl: string;

  async function get<B>(route: string): Promise<Response<B>> {
    const response = await fetch(`${baseUrl}${route}`);
    const text = await response.text();
    return { status: response.status, text, body: JSON.parse(text) as B };
  }

  /** Rewrites the whole file, as an operator saving it would. */
  async function writeConfig(config: TrendFollowingConfig): Promise<void> {
    await writeFile(configPath, JSON.stringify(config, null, 2));
  }

  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'sample-app-http-'));
    configPath = path.join(dir, 'trend_following.json');
    await copyFile(DEFAULT_CONFIG_PATH, configPath);
    originalText = await readFile(configPath, 'utf8');
    original = JSON.parse(originalText) as TrendFollowingConfig;

    // As main.ts does, with a free port and no automatic orders (they would delay reloads).
    app = await NestFactory.create(
      AppModule.forRoot({ configPath, debounceMs: 50, barIntervalMs: 20, autoTrade: false }),
      { logger: false, abortOnError: false },
    );
    await app.listen(0, '127.0.0.1');
    const { port } = app.getHttpServer().address() as AddressInfo;
    baseUrl = `http://127.0.0.1:${port}`;
  });

  afterEach(async () => {
    await app?.close();
    app = undefined;
    await rm(dir, { recursive: true, force: true });
  });

  it('GET /health reports the config check up', async () => {
    const { status, body } = await get<HealthBody>('/health');
    expect(status).toBe(200);
    expect(body.status).toBe('ok');
    expect(body.info?.config.status).toBe('up');
    expect(body.info?.config.version).toBe(1);
  });

  it('GET /config shows the current config with its secrets redacted', async () => {
    const { status, text, body } = await get<ConfigBody>('/config');
    expect(status).toBe(200);
    expect(body).toMatchObject({ name: 'default', version: 1, lastChanges: [] });
    expect(body.health).toMatchObject({ status: 'up', version: 1, pending: false, holds: [] });
    expect(Number.isNaN(Date.parse(body.loadedAt))).toBe(false);

    expect(body.config.exchange).toEqual({
      name: original.exchange.name,
      apiKey: REDACTED,
      apiSecret: REDACTED,
    });
    expect(text).not.toContain(original.exchange.apiKey);
    expect(text).not.toContain(original.exchange.apiSecret);
    // Everything else is shown as is.
    expect(body.config.strategies[3].risk.stopLoss).toBe(original.strategies[3].risk.stopLoss);
    expect(body.config.botName).toBe(original.botName);
  });

  it("GET /metrics serves the reloader's metrics, and follows an edit", async () => {
    const scrape = async () => {
      const response = await fetch(`${baseUrl}/metrics`);
      expect(response.headers.get('content-type')).toContain('text/plain');
      return response.text();
    };
    const labels = '{name="default",source="file"}';
    expect(await scrape()).toContain(`config_reloader_config_version${labels} 1`);
    const edited = structuredClone(original);
    edited.strategies[3].risk.stopLoss = 0.015;
    await writeConfig(edited);
    const text = await waitFor(
      async () => {
        const scraped = await scrape();
        return scraped.includes(`config_reloader_config_version${labels} 2`) ? scraped : undefined;
      },
      { description: 'GET /metrics to show version 2' },
    );
    expect(text).toContain(
      'config_reloader_reloads_total{name="default",source="file",result="applied"} 1',
    );
    expect(text).not.toContain(original.exchange.apiKey);
    expect(text).not.toContain(original.exchange.apiSecret);
  });

  it('GET /config follows an edit of the file', async () => {
    const before = await get<ConfigBody>('/config');
    const edited = structuredClone(original);
    edited.strategies[3].risk.stopLoss = 0.015;
    edited.exchange.apiKey = 'pk_paper_rotated_5e0c1d2f';
    await writeConfig(edited);

    const after = await waitFor(
      async () => {
        const response = await get<ConfigBody>('/config');
        return response.body.version === 2 && response.body.lastChanges.length > 0
          ? response
          : undefined;
      },
      { description: 'GET /config to show version 2 and its changes' },
    );
    expect(after.status).toBe(200);
    expect(after.body.lastChanges).toEqual(
      expect.arrayContaining(['strategies.3.risk.stopLoss', 'exchange.apiKey']),
    );
    expect(after.body.config.strategies[3].risk.stopLoss).toBe(0.015);
    expect(after.body.config.exchange.apiKey).toBe(REDACTED);
    expect(after.text).not.toContain(original.exchange.apiKey);
    expect(after.text).not.toContain(edited.exchange.apiKey);
    expect(Date.parse(after.body.loadedAt)).toBeGreaterThanOrEqual(
      Date.parse(before.body.loadedAt),
    );
    expect(after.body.health).toMatchObject({ status: 'up', version: 2 });
  });

  it('GET /health stays 200 but degraded while the file is invalid, and recovers', async () => {
    const invalid = structuredClone(original);
    invalid.strategies[3].risk.stopLoss = 5; // the schema caps stopLoss at 1
    await writeConfig(invalid);

    // A write is not atomic: a parse failure of a half-written file may be seen first.
    const degraded = await waitFor(
      async () => {
        const response = await get<HealthBody>('/health');
        return response.body.info?.config.lastErrorCode === 'CONFIG_VALIDATION'
          ? response
          : undefined;
      },
      { description: 'GET /health to report the validation failure' },
    );
    expect(degraded.status).toBe(200);
    expect(degraded.body.status).toBe('degraded');
    expect(degraded.body.info?.config).toMatchObject({ status: 'degraded', version: 1 });

    // The bot keeps the last good config meanwhile.
    const config = await get<ConfigBody>('/config');
    expect(config.body.version).toBe(1);
    expect(config.body.config.strategies[3].risk.stopLoss).toBe(
      original.strategies[3].risk.stopLoss,
    );

    // The very same bytes as version 1: nothing to apply, the failure is simply over.
    await writeFile(configPath, originalText);
    const recovered = await waitFor(
      async () => {
        const response = await get<HealthBody>('/health');
        return response.body.info?.config.status === 'up' ? response : undefined;
      },
      { description: 'GET /health to be up again' },
    );
    expect(recovered.status).toBe(200);
    expect(recovered.body.status).toBe('ok');
    expect(recovered.body.info?.config.version).toBe(1);
  });

  it('GET /health answers 503 when the config file is gone', async () => {
    await rm(configPath);
    const down = await waitFor(
      async () => {
        const response = await get<HealthBody>('/health');
        return response.status === 503 ? response : undefined;
      },
      { description: 'GET /health to fail' },
    );
    expect(down.body.status).toBe('error');
    expect(down.body.error?.config.status).toBe('down');
  });
});
