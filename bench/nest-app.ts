import 'reflect-metadata';
import { Injectable, Module, type DynamicModule } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { EventEmitterModule, OnEvent } from '@nestjs/event-emitter';
import type { INestApplicationContext } from '@nestjs/common';
import {
  CONFIG_RELOAD_FAILED,
  CONFIG_RELOADED,
  ConfigReloaderModule,
  ConfigReloaderService,
  getConfigReloaderToken,
  type ConfigReloadedEvent,
  type ConfigReloaderOptions,
} from '../lib/index.js';
import { TrendFollowingConfig } from '../sample-app/src/config/trend-following.config.js';
import { epochNow, markerKey, markerOf } from './fixtures.js';

type Waiter = { seq: number; resolve: (at: number | undefined) => void; timer: NodeJS.Timeout };

/**
 * The app's side of every end-to-end figure: an `@OnEvent('config_reloaded')` handler that
 * notes when each content arrived. It keeps counters, not a log, so that it does not grow.
 */
@Injectable()
export class ReloadProbe {
  reloaded = 0;
  failed = 0;
  lastSeq = -1;
  versionsWentDown = false;
  private waiters: Waiter[] = [];
  private readonly versions = new Map<string, number>();

  @OnEvent(CONFIG_RELOADED)
  onReloaded(event: ConfigReloadedEvent<TrendFollowingConfig>): void {
    const at = epochNow();
    this.reloaded++;
    this.lastSeq = markerOf(event.newConfig);
    if (event.version <= (this.versions.get(event.name) ?? 0)) this.versionsWentDown = true;
    this.versions.set(event.name, event.version);
    const ready = this.waiters.filter((waiter) => waiter.seq === this.lastSeq);
    if (ready.length === 0) return;
    this.waiters = this.waiters.filter((waiter) => waiter.seq !== this.lastSeq);
    for (const waiter of ready) {
      clearTimeout(waiter.timer);
      waiter.resolve(at);
    }
  }

  @OnEvent(CONFIG_RELOAD_FAILED)
  onFailed(): void {
    this.failed++;
  }

  /** Resolves with the arrival time (epoch ms) of the content carrying `seq`, or undefined on timeout. */
  waitFor(seq: number, timeoutMs: number): Promise<number | undefined> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((waiter) => waiter.timer !== timer);
        resolve(undefined);
      }, timeoutMs);
      this.waiters.push({ seq: markerKey(seq), resolve, timer });
    });
  }
}

@Module({})
class BenchAppModule {}

export interface ReloaderApp {
  app: INestApplicationContext;
  probe: ReloadProbe;
  service(name?: string): ConfigReloaderService<TrendFollowingConfig>;
  close(): Promise<void>;
}

export type BenchReloaderOptions = Omit<ConfigReloaderOptions<TrendFollowingConfig>, 'dto'> & {
  /** The DTO class; the sample app's by default. */
  dto?: typeof TrendFollowingConfig;
};

/**
 * The sample app's DTO, counting its instances: class-transformer creates one per validation
 * pass, so this counts the reloads that ran the whole pipeline, applied or not.
 */
export class CountingConfig extends TrendFollowingConfig {
  static created = 0;
  constructor() {
    super();
    CountingConfig.created++;
  }
}

/**
 * A Nest application context with EventEmitterModule, one ConfigReloaderModule per options
 * object (with the sample app's DTO), and the probe; the logger is off.
 */
export async function createReloaderApp(
  instances: BenchReloaderOptions[],
  imports: NonNullable<DynamicModule['imports']> = [],
): Promise<ReloaderApp> {
  const root: DynamicModule = {
    module: BenchAppModule,
    imports: [
      EventEmitterModule.forRoot(),
      ...instances.map((options) =>
        ConfigReloaderModule.forRoot<TrendFollowingConfig>({
          ...options,
          dto: options.dto ?? TrendFollowingConfig,
        }),
      ),
      ...imports,
    ],
    providers: [ReloadProbe],
  };
  const app = await NestFactory.createApplicationContext(root, {
    logger: false,
    abortOnError: false,
  });
  return {
    app,
    probe: app.get(ReloadProbe),
    service: (name) =>
      app.get<ConfigReloaderService<TrendFollowingConfig>>(getConfigReloaderToken(name)),
    close: () => app.close(),
  };
}
