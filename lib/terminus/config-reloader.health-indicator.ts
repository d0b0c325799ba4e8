import { Injectable } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { HealthIndicatorService, type HealthIndicatorResult } from '@nestjs/terminus';
import { DEFAULT_INSTANCE_NAME } from '../config-reloader.constants.js';
import type { ConfigReloaderService } from '../config-reloader.service.js';
import { getConfigReloaderToken } from '../config-reloader.tokens.js';

/** terminus' indicator session, whose `degraded` only @nestjs/terminus 12 and later have. */
type IndicatorSession = ReturnType<HealthIndicatorService['check']> & {
  degraded?: (data: Record<string, unknown>) => HealthIndicatorResult;
};

/**
 * A @nestjs/terminus health indicator for one config reloader instance:
 * `this.health.check([() => this.config.isHealthy('config')])`. 'degraded' (the last reload
 * failed, the app still runs on the last good config) keeps the check passing; 'down' (the
 * config source is gone) fails it.
 *
 * @nestjs/terminus 11 has no 'degraded' indicator state (12 added it). There a degraded reloader
 * is reported 'up', which passes the check just the same, with `reloaderStatus: 'degraded'` in
 * its details so that the report still says so.
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
    const indicator: IndicatorSession = this.indicators.check(key);
    if (status === 'up') return indicator.up(details);
    if (status === 'degraded') {
      return typeof indicator.degraded === 'function'
        ? indicator.degraded(details)
        : indicator.up({ ...details, reloaderStatus: 'degraded' });
    }
    return indicator.down(details);
  }
}
