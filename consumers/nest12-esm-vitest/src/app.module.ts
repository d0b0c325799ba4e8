import { type DynamicModule, Module } from '@nestjs/common';
import { EventEmitterModule } from '@nestjs/event-emitter';
import { TerminusModule } from '@nestjs/terminus';
import { ConfigReloaderModule } from 'nestjs-config-reloader';
import { prometheusMetrics } from 'nestjs-config-reloader/prometheus';
import { ConfigReloaderHealthIndicator } from 'nestjs-config-reloader/terminus';
import { Registry } from 'prom-client';
import { GreetingConfig } from './greeting.config.js';
import { GreetingService } from './greeting.service.js';
import { HealthController } from './health.controller.js';

@Module({})
export class AppModule {
  static forConfig(configPath: string): DynamicModule {
    // Its own registry rather than prom-client's global one: each app (and test) counts apart.
    const registry = new Registry();
    return {
      module: AppModule,
      imports: [
        EventEmitterModule.forRoot(),
        TerminusModule,
        ConfigReloaderModule.forRoot<GreetingConfig>({
          configPath,
          dto: GreetingConfig,
          debounceMs: 50,
          metrics: prometheusMetrics({ registry }),
        }),
      ],
      controllers: [HealthController],
      providers: [
        GreetingService,
        ConfigReloaderHealthIndicator,
        { provide: Registry, useValue: registry },
      ],
    };
  }
}
