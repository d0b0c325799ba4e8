import { Controller, Get } from '@nestjs/common';
import { HealthCheck, HealthCheckService } from '@nestjs/terminus';
import { ConfigReloaderHealthIndicator } from 'nestjs-config-reloader/terminus';

/**
 * `GET /health`: 200 while the bot runs on a good config. A failed reload makes the config
 * check 'degraded' (the bot keeps the last good config, the answer stays 200); a config file
 * that is gone makes it 'down' and the answer 503.
 */
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly configHealth: ConfigReloaderHealthIndicator,
  ) {}

  @Get()
  @HealthCheck()
  check() {
    return this.health.check([() => this.configHealth.isHealthy('config')]);
  }
}
