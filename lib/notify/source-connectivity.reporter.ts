import type { Logger } from '@nestjs/common';
import {
  ConfigAccessError,
  ConfigSourceUnavailableError,
  type ConfigReloadError,
} from '../config-reloader.errors.js';
import { messages } from '../config-reloader.messages.js';
import type { ReloadHealthTracker } from './reload-health.tracker.js';

export interface SourceConnectivityReporterOptions {
  name: string;
  /** Where the config comes from, for messages: the file path or the source id. */
  where: string;
  health: ReloadHealthTracker;
  logger: Logger;
}

/** Tells health and the log when a remote source loses its server, and when it is back. */
export class SourceConnectivityReporter {
  /** The error code health shows while the source is lost. */
  private lostWith: string | undefined;

  constructor(private readonly options: SourceConnectivityReporterOptions) {}

  /**
   * A remote source lost its server: the config in force stays; health says since when, and why
   * when the source said (`cause`). Said again only when the reason changes (say from "no
   * answer" to "refused"), not on every failed attempt to get back.
   */
  lost(currentVersion: number, cause?: ConfigReloadError): void {
    const { name, where, health, logger } = this.options;
    const code = cause?.code ?? 'CONFIG_UNAVAILABLE';
    if (health.isUnavailable && code === this.lostWith) return;
    this.lostWith = code;
    const message = cause
      ? messages.sourceLostBecause(name, currentVersion, cause.message, code)
      : messages.sourceLost(name, where, currentVersion);
    const error =
      code === 'CONFIG_ACCESS'
        ? new ConfigAccessError(where, message, { cause })
        : new ConfigSourceUnavailableError(where, message, { cause });
    health.unavailable(error, new Date());
    logger.warn(message);
  }

  /** The source reaches its server again (or is not watched any more: 'unknown'). */
  back(known: boolean): void {
    const { name, where, health, logger } = this.options;
    if (!health.isUnavailable) return;
    this.lostWith = undefined;
    health.available();
    if (known) logger.log(messages.sourceBack(name, where));
  }
}
