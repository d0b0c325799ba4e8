import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { AppModule } from './app.module.js';
import { configSourceFromEnvironment } from './config/config-source.js';
import { DEFAULT_CONFIG_PATH } from './config/paths.js';

/**
 * The trend-following bot over HTTP (`GET /health`, `GET /config`). Environment:
 * - CONFIG_PATH      the config to load and watch (default: sample-app/config/trend_following.json)
 * - AUDIT_LOG        audit log file (default: audit.jsonl next to the config)
 * - PORT, HOST       where to listen (default 3000 on 127.0.0.1; PORT=0 picks a free port)
 * - BAR_INTERVAL_MS  milliseconds between simulated bars (default 1000)
 * - ORDER_HOLD_BARS  bars a simulated order stays open, holding config changes back (default 3)
 * - AUTO_TRADE       'false' to open no simulated orders
 * - MAX_EXPOSURE     this bot's cap on every regime's exposureMultiplier (default: none)
 * - CONFIG_SOURCE=etcd, ETCD_HOSTS, ETCD_KEY, ETCD_CACHE, INSTANCE_ID, LABELS: follow an etcd
 *   key instead of the file (see config/config-source.ts); the audit log is then AUDIT_LOG or none
 */
const logger = new Logger('Main');

async function bootstrap(): Promise<void> {
  const configSource = configSourceFromEnvironment(process.env);
  const configPath = path.resolve(process.env.CONFIG_PATH ?? DEFAULT_CONFIG_PATH);
  // Next to the config by default, so that whoever can edit the config finds who changed what.
  const auditLogPath = configSource
    ? process.env.AUDIT_LOG && path.resolve(process.env.AUDIT_LOG)
    : path.resolve(process.env.AUDIT_LOG ?? path.join(path.dirname(configPath), 'audit.jsonl'));
  const barIntervalMs = parsePositiveInteger('BAR_INTERVAL_MS', process.env.BAR_INTERVAL_MS, 1000);
  const orderHoldBars = parsePositiveInteger('ORDER_HOLD_BARS', process.env.ORDER_HOLD_BARS, 3);
  const autoTrade = process.env.AUTO_TRADE !== 'false';
  const maxExposure = parseLimit('MAX_EXPOSURE', process.env.MAX_EXPOSURE);
  const port = parsePort(process.env.PORT ?? '3000');
  const host = process.env.HOST ?? '127.0.0.1';

  // abortOnError: false makes a bad initial config reject here, with its typed error,
  // instead of Nest exiting on its own.
  const app = await NestFactory.create(
    AppModule.forRoot({
      ...(configSource ? { configSource } : { configPath }),
      auditLogPath: auditLogPath || undefined,
      barIntervalMs,
      orderHoldBars,
      autoTrade,
      maxExposure,
    }),
    { abortOnError: false },
  );
  // On Ctrl+C or SIGTERM: run the destroy hooks (bar timer, file watcher, HTTP server), then exit 0.
  app.enableShutdownHooks(['SIGINT', 'SIGTERM'], { useProcessExit: true });
  try {
    await app.listen(port, host);
  } catch (error) {
    // Port taken, say: stop the bar timer and the watcher too, so the process can exit.
    await app.close();
    throw error;
  }

  const address = app.getHttpServer().address() as AddressInfo;
  const url = `http://${address.address}:${address.port}`;
  logger.log(`Listening on ${url} (GET /health, GET /config)`);
  if (auditLogPath) logger.log(`Audit log: ${auditLogPath}`);
  if (configSource) {
    logger.log(`Following ${configSource.id}: publish a change with config-reloader publish.`);
  } else {
    logger.log(`Edit ${configPath} and save to see a live reload (Ctrl+C to stop).`);
  }
}

function parsePositiveInteger(name: string, raw: string | undefined, fallback: number): number {
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1) {
    throw new Error(`${name} must be a positive integer, got "${raw}"`);
  }
  return value;
}

function parseLimit(name: string, raw: string | undefined): number | undefined {
  if (raw === undefined || raw === '') return undefined;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) {
    throw new Error(`${name} must be a positive number, got "${raw}"`);
  }
  return value;
}

function parsePort(raw: string): number {
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0 || value > 65_535) {
    throw new Error(`PORT must be an integer from 0 to 65535, got "${raw}"`);
  }
  return value;
}

bootstrap().catch((error: unknown) => {
  logger.error(`Not started: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
});
