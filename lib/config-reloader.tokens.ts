import { DEFAULT_INSTANCE_NAME } from './config-reloader.constants.js';

/** Token of the `ConfigReloaderService` of one named instance (also usable with `moduleRef.get`). */
export function getConfigReloaderToken(name: string = DEFAULT_INSTANCE_NAME): string {
  return `ConfigReloaderService:${name}`;
}

/** Token of the validated options of one named instance. */
export function getConfigReloaderOptionsToken(name: string = DEFAULT_INSTANCE_NAME): string {
  return `ConfigReloaderOptions:${name}`;
}
