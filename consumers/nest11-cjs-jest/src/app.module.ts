import { DynamicModule, Module } from '@nestjs/common';
import { EventEmitterModule } from '@nestjs/event-emitter';
import { TerminusModule } from '@nestjs/terminus';
import { ConfigReloaderModule } from 'nestjs-config-reloader';
import { ConfigReloaderHealthIndicator } from 'nestjs-config-reloader/terminus';
import { GreetingConfig } from './greeting.config';
import { GreetingService } from './greeting.service';
import { HealthController } from './health.controller';

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
