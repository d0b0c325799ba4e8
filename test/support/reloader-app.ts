import type { LoggerService } from '@nestjs/common';
import { Test, type TestingModule } from '@nestjs/testing';
import { EventEmitterModule } from '@nestjs/event-emitter';
import {
  CONFIG_RELOAD_FAILED,
  CONFIG_WATCH_FUNCTION,
  ConfigReloaderModule,
  getConfigReloaderToken,
  ConfigReloaderService,
  type ConfigReloadedEvent,
  type ConfigReloaderOptions,
  type ConfigReloadFailedEvent,
} from '../../lib/index.js';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { afterEach } from 'vitest';
import { ConfigDir } from './config-dir.js';

/** A booted module with one reloader and a record of everything it announced. */
export interface ReloaderHarness<T extends object> {
  app: TestingModule;
  service: ConfigReloaderService<T>;
  reloaded: ConfigReloadedEvent<T>[];
  failed: ConfigReloadFailedEvent[];
  close(): Promise<void>;
}

export async function bootReloader<T extends object = Record<string, any>>(
  options: ConfigReloaderOptions<T>,
  overrides: { watch?: unknown; logger?: LoggerService } = {},
): Promise<ReloaderHarness<T>> {
  let builder = Test.createTestingModule({
    imports: [EventEmitterModule.forRoot(), ConfigReloaderModule.forRoot(options)],
  });
  if (overrides.logger) builder = builder.setLogger(overrides.logger);
  if (overrides.watch) {
    builder = builder.overrideProvider(CONFIG_WATCH_FUNCTION).useValue(overrides.watch);
  }
  const app = await builder.compile();
  app.useLogger(overrides.logger ?? false);
  await app.init();
  const service = app.get<ConfigReloaderService<T>>(getConfigReloaderToken(options.name));
  const reloaded: ConfigReloadedEvent<T>[] = [];
  const failed: ConfigReloadFailedEvent[] = [];
  service.onReload((event) => void reloaded.push(event));
  app.get(EventEmitter2).on(CONFIG_RELOAD_FAILED, (event: ConfigReloadFailedEvent) => {
    failed.push(event);
  });
  return { app, service, reloaded, failed, close: () => app.close() };
}

/**
 * One reloader per test on a config file of its own (a temp dir), both closed after the test:
 * `boot(config, options)` writes the file and starts the reloader on it.
 */
export function reloaderPerTest<T extends object>() {
  let dir: ConfigDir | undefined;
  let harness: ReloaderHarness<T> | undefined;
  afterEach(async () => {
    await harness?.close();
    await dir?.dispose();
    harness = dir = undefined;
  });
  return {
    async boot(
      config: unknown,
      options: Omit<ConfigReloaderOptions<T>, 'configPath'>,
      overrides?: { logger?: LoggerService },
    ): Promise<ConfigReloaderService<T>> {
      dir = await ConfigDir.create(config);
      harness = await bootReloader<T>({ ...options, configPath: dir.file }, overrides);
      return harness.service;
    },
    /** Destroys the current test's module before the test ends. */
    async close(): Promise<void> {
      await harness?.close();
      harness = undefined;
    },
    /** The config file of the current test's reloader. */
    get dir(): ConfigDir {
      if (!dir) throw new Error('boot() first');
      return dir;
    },
  };
}
