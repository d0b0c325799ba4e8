import { Controller, Get } from '@nestjs/common';
import {
  ConfigReloaderService,
  createSecretKeyMatcher,
  redactSecrets,
  type ConfigReloaderHealth,
} from 'nestjs-config-reloader';
import type { TrendFollowingConfig } from '../config/trend-following.config.js';
import { RegimeEngine } from '../regime-engine.service.js';

export interface ConfigView {
  /** The reloader instance. */
  name: string;
  version: number;
  /** When the current version was applied. */
  loadedAt: Date | null;
  /** The current config, with values under secret keys (apiKey, apiSecret, ...) redacted. */
  config: unknown;
  /** Paths changed by the last applied reload; empty before the first one. */
  lastChanges: readonly string[];
  health: ConfigReloaderHealth;
}

/** `GET /config`: what the bot runs on right now, safe to show on a dashboard. */
@Controller('config')
export class ConfigController {
  private readonly isSecretKey = createSecretKeyMatcher();

  constructor(
    private readonly reloader: ConfigReloaderService<TrendFollowingConfig>,
    private readonly regimes: RegimeEngine,
  ) {}

  @Get()
  current(): ConfigView {
    // Synchronous: no reload can swap the config between these reads.
    const config = this.reloader.config;
    const history = this.reloader.getHistory();
    const newest = history[history.length - 1];
    return {
      name: this.reloader.name,
      version: this.reloader.version,
      loadedAt: newest?.loadedAt ?? null,
      config: redactSecrets(config, this.isSecretKey),
      lastChanges: this.regimes.lastChanges,
      health: this.reloader.getHealth(),
    };
  }
}
