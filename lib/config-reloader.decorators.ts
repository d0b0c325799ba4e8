import { Inject } from '@nestjs/common';
import { getConfigReloaderToken } from './config-reloader.tokens.js';

/**
 * Injects the `ConfigReloaderService` of a named instance (the default one when no name is given):
 * `constructor(@InjectConfigReloader('risk') private readonly risk: ConfigReloaderService<RiskConfig>)`.
 */
export const InjectConfigReloader = (name?: string): ParameterDecorator & PropertyDecorator =>
  Inject(getConfigReloaderToken(name));
