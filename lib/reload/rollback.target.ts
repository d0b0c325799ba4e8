import { ConfigRollbackError } from '../config-reloader.errors.js';
import { messages } from '../config-reloader.messages.js';
import type { ConfigHistoryEntry } from '../interfaces/index.js';
import type { ConfigSource } from '../interfaces/config-source.interface.js';
import type { ConfigStore } from '../store/config.store.js';

/** Where a rollback goes and how it writes: the version `steps` back, and the source's `write()`. */
export interface RollbackTarget<T> {
  entry: ConfigHistoryEntry<T>;
  write: NonNullable<ConfigSource['write']>;
}

/**
 * The history entry `rollback(steps)` goes back to, when the steps are a whole number >= 1,
 * the history still keeps it and the source can be written; else `ConfigRollbackError`.
 */
export function rollbackTarget<T>(
  steps: number,
  {
    store,
    source,
    where,
    name,
  }: { store: ConfigStore<T>; source: ConfigSource; where: string; name: string },
): RollbackTarget<T> {
  if (!Number.isInteger(steps) || steps < 1) {
    throw new ConfigRollbackError(where, messages.rollbackSteps(steps));
  }
  const entry = store.stepsBack(steps);
  if (!entry) {
    const available = store.history().length - 1;
    throw new ConfigRollbackError(where, messages.rollbackTooFar(name, steps, available));
  }
  if (!source.write) throw new ConfigRollbackError(where, messages.rollbackUnsupported(source.id));
  return { entry, write: (text, revision) => source.write!(text, revision) };
}
