import 'reflect-metadata';
import { Injectable } from '@nestjs/common';
import { EventEmitterModule, OnEvent } from '@nestjs/event-emitter';
import { Test, type TestingModule } from '@nestjs/testing';
import { afterEach, describe, expect, it } from 'vitest';
import {
  CONFIG_RELOADED,
  CONFIG_RELOAD_FAILED,
  ConfigReloaderModule,
  ConfigReloaderService,
  type ConfigReloadedEvent,
  type ConfigReloadFailedEvent,
} from '../../lib/index.js';
import { ConfigDir } from '../support/config-dir.js';
import { waitFor } from '../support/wait-for.js';

interface Settings {
  revision: number;
}

/** Every notification of every kind, in the order they arrived. */
let calls: string[] = [];

@Injectable()
class ReloadedHandler {
  @OnEvent(CONFIG_RELOADED)
  handle(event: ConfigReloadedEvent<Settings>): void {
    calls.push(`event v${event.version}`);
  }
}

@Injectable()
class FailedHandler {
  @OnEvent(CONFIG_RELOAD_FAILED)
  handle(event: ConfigReloadFailedEvent): void {
    calls.push(`failed event ${event.error.code}`);
  }
}

describe('notification order', () => {
  let dir: ConfigDir | undefined;
  let app: TestingModule | undefined;

  async function boot(): Promise<ConfigReloaderService<Settings>> {
    dir = await ConfigDir.create({ revision: 1 });
    let version = 1;
    app = await Test.createTestingModule({
      imports: [
        EventEmitterModule.forRoot(),
        ConfigReloaderModule.forRoot<Settings>({
          configPath: dir.file,
          debounceMs: 20,
          // The option callback gets no version: count the applied changes instead.
          onReload: () => void calls.push(`option v${++version}`),
          onError: (error) => void calls.push(`onError ${error.code}`),
        }),
      ],
      providers: [ReloadedHandler, FailedHandler],
    }).compile();
    app.useLogger(false);
    await app.init();
    const service = app.get<ConfigReloaderService<Settings>>(ConfigReloaderService);
    service.onReload((event) => void calls.push(`listener v${event.version}`));
    return service;
  }

  afterEach(async () => {
    await app?.close();
    app = undefined;
    await dir?.dispose();
    dir = undefined;
    calls = [];
  });

  it('runs the option callback, then the event, then the listeners, for an edit the watcher found', async () => {
    const service = await boot();
    await dir!.write({ revision: 2 });
    await waitFor(() => calls.length >= 3, {
      timeoutMs: 8000,
      description: 'three notifications of the edit',
    });
    expect(service.config.revision).toBe(2);
    expect(calls).toEqual(['option v2', 'event v2', 'listener v2']);
  });

  it('runs the option callback, then the event, then the listeners, for reloadConfig()', async () => {
    const service = await boot();
    await service.stopWatching(); // only the manual reload may apply the change
    await dir!.write({ revision: 2 });
    await service.reloadConfig();
    await waitFor(() => calls.length >= 3, {
      timeoutMs: 8000,
      description: 'three notifications of the manual reload',
    });
    expect(calls).toEqual(['option v2', 'event v2', 'listener v2']);
  });

  it('runs the onError callback before the config_reload_failed event, for a failed automatic reload', async () => {
    const service = await boot();
    await dir!.write('{ "revision": ');
    await waitFor(() => calls.length >= 2, {
      timeoutMs: 8000,
      description: 'two notifications of the failure',
    });
    expect(service.config.revision).toBe(1);
    expect(calls).toEqual(['onError CONFIG_PARSE', 'failed event CONFIG_PARSE']);
  });
});
