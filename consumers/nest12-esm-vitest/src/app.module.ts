import { type DynamicModule, Module } from '@nestjs/common';
import { EventEmitterModule } from '@nestjs/event-emitter';
import { TerminusModule } from '@nestjs/terminus';
import { ConfigReloaderModule } from 'nestjs-config-reloader';
import { ConfigReloaderHealthIndicator } from 'nestjs-config-reloader/terminus';
import { GreetingConfig } from './greeting.config.js';
import { GreetingService } from './greeting.service.js';
import { HealthController } from './health.controller.js';

@Module({})
export class AppModule {
  static forConfig(configPath: string): DynamicModule {
    return {
      module: AppModule,
      imports: [
        EventEmitterModule.forRoot(),
        TerminusModule,
        ConfigReloaderModule.forRoot<GreetingConfig>({
          configPath,
          dto: GreetingConfig,
          debounceMs: 50,
        }),
      ],
      controllers: [HealthController],
      providers: [GreetingService, ConfigReloaderHealthIndicator],
    };
  }
}
