export { ConfigReloaderModule } from './config-reloader.module.js';
export { ConfigReloaderService } from './config-reloader.service.js';
export { InjectConfigReloader } from './config-reloader.decorators.js';
export { getConfigReloaderToken, getConfigReloaderOptionsToken } from './config-reloader.tokens.js';
export {
  CONFIG_RELOADED,
  CONFIG_RELOAD_FAILED,
  CONFIG_WATCH_FUNCTION,
  DEFAULT_INSTANCE_NAME,
} from './config-reloader.constants.js';
export * from './config-reloader.errors.js';
export type { WatchFunction } from './config-file.watcher.js';
export { validateConfigText, createValidationRules } from './config.loader.js';
export type { ConfigValidationRules } from './config.loader.js';
export { changedPaths, diffConfigs, redactChanges } from './config.diff.js';
export type { ConfigChange } from './config.diff.js';
export {
  DEFAULT_SECRET_KEYS,
  REDACTED,
  createSecretKeyMatcher,
  redactSecrets,
} from './secret-redaction.js';
export type { SecretKeyMatcher } from './secret-redaction.js';
export type { HoldOptions } from './config-hold.registry.js';
export type { AuditRecord } from './audit.log.js';
export * from './interfaces/index.js';
