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
export {
  ConfigReloadError,
  ConfigNotFoundError,
  ConfigParseError,
  ConfigValidationError,
  ConfigAccessError,
  ConfigTooLargeError,
  InsecureConfigFileError,
  ConfigRejectedError,
  ConfigReloaderOptionsError,
  ConfigReloaderClosedError,
  ConfigRollbackError,
  ConfigSchemaError,
  ConfigConflictError,
  ConfigSourceUnavailableError,
  ConfigUnstableError,
  ConfigAuditError,
  type ConfigIssue,
  type ConfigErrorCode,
} from './config-reloader.errors.js';
export type { WatchFunction } from './sources/file/directory.watcher.js';
export { validateConfigText, createValidationRules } from './pipeline/config.pipeline.js';
export {
  generateSchemaFromDto,
  type DtoSchemaOptions,
} from './pipeline/dto-schema/dto-schema.generator.js';
export type { ConfigValidationRules } from './pipeline/config.pipeline.js';
export { changedPaths, diffConfigs, redactChanges } from './change/config.diff.js';
export type { ConfigChange } from './change/config.diff.js';
export {
  DEFAULT_SECRET_KEYS,
  REDACTED,
  createSecretKeyMatcher,
  redactSecrets,
} from './change/secret-redaction.js';
export type { SecretKeyMatcher } from './change/secret-redaction.js';
export type { HoldOptions } from './store/config-hold.registry.js';
export type { AuditRecord } from './notify/audit.log.js';
export * from './interfaces/index.js';
