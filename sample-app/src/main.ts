import path from 'node:path';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { AppModule } from './app.module.js';
import { DEFAULT_CONFIG_PATH } from './config/paths.js';

const logger = new Logger('Main');

async function bootstrap(): Promise<void> {
  const configPath = path.resolve(process.env.CONFIG_PATH ?? DEFAULT_CONFIG_PATH);
  const barIntervalMs = parseInterval(process.env.BAR_INTERVAL_MS ?? '1000');

  // abortOnError: false makes a bad initial config reject here, with its typed error,
  // instead of Nest exiting on its own.
  const app = await NestFactory.createApplicationContext(
    AppModule.forRoot({ configPath, barIntervalMs }),
    { abortOnError: false },
  );
  // On Ctrl+C or SIGTERM: run the destroy hooks (bar timer, file watcher), then exit 0.
  app.enableShutdownHooks(['SIGINT', 'SIGTERM'], { useProcessExit: true });

  logger.log(`Edit ${configPath} and save to see a live reload (Ctrl+C to stop).`);
}

function parseInterval(raw: string): number {
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1) {
    throw new Error(`BAR_INTERVAL_MS must be a positive integer, got "${raw}"`);
  }
  return value;
}

bootstrap().catch((error: unknown) => {
  logger.error(`Not started: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
});
