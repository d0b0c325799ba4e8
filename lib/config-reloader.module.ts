import { Module, type DynamicModule, type Provider } from '@nestjs/common';
import { ModulesContainer } from '@nestjs/core';
import { EventEmitter2, EventEmitterReadinessWatcher } from '@nestjs/event-emitter';
import { watch } from 'chokidar';
import { CONFIG_WATCH_FUNCTION, DEFAULT_INSTANCE_NAME } from './config-reloader.constants.js';
import { ConfigReloaderOptionsError } from './config-reloader.errors.js';
import { messages } from './config-reloader.messages.js';
import { resolveOptions, type ResolvedConfigReloaderOptions } from './config-reloader.options.js';
import { ConfigReloaderService } from './config-reloader.service.js';
import { getConfigReloaderOptionsToken, getConfigReloaderToken } from './config-reloader.tokens.js';
import { createValidationRules } from './pipeline/config.pipeline.js';
import type { WatchFunction } from './sources/file/directory.watcher.js';
import type { ConfigReloaderAsyncOptions, ConfigReloaderOptions } from './interfaces/index.js';

/**
 * Keeps a JSON config file live: `forRoot` / `forRootAsync` register one named instance each.
 * Several instances may live in one app; the default one is also injectable as
 * `ConfigReloaderService`.
 */
@Module({})
export class ConfigReloaderModule {
  static forRoot<T extends object = Record<string, unknown>>(
    options: ConfigReloaderOptions<T>,
  ): DynamicModule {
    // Checked now, so that a mistake fails where the module is declared.
    const resolved = resolveOptions(options);
    return this.build(resolved.name, resolved.isGlobal, [], {
      provide: getConfigReloaderOptionsToken(resolved.name),
      useValue: resolved,
    });
  }

  static forRootAsync<T extends object = Record<string, unknown>>(
    options: ConfigReloaderAsyncOptions<T>,
  ): DynamicModule {
    const name = options.name ?? DEFAULT_INSTANCE_NAME;
    return this.build(name, options.isGlobal ?? false, options.imports ?? [], {
      provide: getConfigReloaderOptionsToken(name),
      inject: options.inject ?? [],
      useFactory: async (...args: unknown[]) =>
        resolveOptions<T>({ ...(await options.useFactory(...args)), name }),
    });
  }

  private static build(
    name: string,
    isGlobal: boolean,
    imports: NonNullable<DynamicModule['imports']>,
    optionsProvider: Provider,
  ): DynamicModule {
    const token = getConfigReloaderToken(name);
    const serviceProvider: Provider = {
      provide: token,
      inject: [
        getConfigReloaderOptionsToken(name),
        CONFIG_WATCH_FUNCTION,
        { token: EventEmitter2, optional: true },
        { token: EventEmitterReadinessWatcher, optional: true },
        ModulesContainer,
      ],
      // The initial load runs here, so that no provider is ever built around a missing config.
      useFactory: async (
        options: ResolvedConfigReloaderOptions<object>,
        watchFunction: WatchFunction,
        events: EventEmitter2 | undefined,
        readiness: EventEmitterReadinessWatcher | undefined,
        app: ModulesContainer,
      ) => {
        claimName(app, options.name);
        const rules = await createValidationRules(options);
        const service = new ConfigReloaderService(options, rules, {
          watch: watchFunction,
          events,
          readiness,
        });
        await service.load();
        return service;
      },
    };
    const providers: Provider[] = [
      optionsProvider,
      { provide: CONFIG_WATCH_FUNCTION, useValue: watch },
      serviceProvider,
    ];
    const exports: DynamicModule['exports'] = [token];
    if (name === DEFAULT_INSTANCE_NAME) {
      providers.push({ provide: ConfigReloaderService, useExisting: token });
      exports.push(ConfigReloaderService);
    }
    return { module: ConfigReloaderModule, global: isGlobal, imports, providers, exports };
  }
}

// Names taken in each application (one ModulesContainer per app): two instances with one name
// would both load and watch, and only one of them could ever be injected.
const namesByApplication = new WeakMap<ModulesContainer, Set<string>>();

function claimName(app: ModulesContainer, name: string): void {
  let names = namesByApplication.get(app);
  if (!names) namesByApplication.set(app, (names = new Set()));
  if (names.has(name)) throw new ConfigReloaderOptionsError(name, messages.duplicateName());
  names.add(name);
}
