import { ConfigRejectedError } from '../config-reloader.errors.js';
import type { ReloadCoordinatorOptions } from './reload-coordinator.options.js';

/**
 * The app's veto (`beforeApply`): after validation, before the swap, and again when a staged
 * change applies. Whatever it throws or rejects with becomes a `ConfigRejectedError`.
 */
export async function vetoOf<T extends object>(
  next: Readonly<T>,
  {
    beforeApply,
    store,
    where,
  }: Pick<ReloadCoordinatorOptions<T>, 'beforeApply' | 'store' | 'where'>,
): Promise<void> {
  if (!beforeApply) return;
  try {
    await beforeApply(next, store.applied.config);
  } catch (reason) {
    throw new ConfigRejectedError(where, reason);
  }
}
