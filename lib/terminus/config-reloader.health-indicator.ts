import { Injectable } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { HealthIndicatorService, type HealthIndicatorResult } from '@nestjs/terminus';
import { DEFAULT_INSTANCE_NAME } from '../config-reloader.constants.js';
import type { ConfigReloaderService } from '../config-reloader.service.js';
import { getConfigReloaderToken } from '../config-reloader.tokens.js';

/**
 * A @nestjs/terminus health indicator for one config reloader instance:
 * `this.health.check([() => this.config.isHealthy('config')])`. 'degraded' (the last reload
 * failed, the app still runs on the last good config) keeps the check passing; 'down' (the
 * config source is gone) fails it.
 */
@Injectable()
export class ConfigReloaderHealthIndicator {
  constructor(
    private readonly indicators: HealthIndicatorService,
    private readonly moduleRef: ModuleRef,
  ) {}

  isHealthy(key = 'config', instanceName = DEFAULT_INSTANCE_NAME): HealthIndicatorResult {
    const reloader = this.moduleRef.get<ConfigReloaderService<object>>(
      getConfigReloaderToken(instanceName),
      { strict: false },
    );
    const { status, ...details } = reloader.getHealth();
    const indicator = this.indicators.check(key);
    if (status === 'up') return indicator.up(details);
    if (status === 'degraded') return indicator.degraded(details);
    return indicator.down(details);
  }
}
