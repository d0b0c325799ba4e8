import { createRequire } from 'node:module';
import { Validator } from 'class-validator';
import type { ValidationExecutor } from 'class-validator/cjs/validation/ValidationExecutor.js';

// class-validator does not export its executor from its root: a later version may move or change
// it. So it is loaded on first use, never on import, and checked; without it, every reload
// validates in full, and the package still loads.
const EXECUTOR_MODULE = 'class-validator/cjs/validation/ValidationExecutor.js';
const METHODS = ['execute', 'nestedValidations', 'stripEmptyErrors'];

export type ExecutorClass = typeof ValidationExecutor;

/** Loads the module that holds the executor; a test gives one that fails or loads something else. */
export type ExecutorModuleLoader = () => unknown;

const requireExecutorModule: ExecutorModuleLoader = () =>
  createRequire(__filename)(EXECUTOR_MODULE);

/** class-validator's executor class, or why it cannot be used. */
export function loadValidationExecutor(
  load: ExecutorModuleLoader = requireExecutorModule,
): ExecutorClass | string {
  let loaded: unknown;
  try {
    loaded = load();
  } catch (error) {
    // The first line only: Node adds the require stack, with the machine's paths.
    const reason = error instanceof Error ? error.message.split('\n')[0] : String(error);
    return `class-validator's ValidationExecutor could not be loaded (${reason})`;
  }
  const executor = (loaded as { ValidationExecutor?: unknown } | null)?.ValidationExecutor;
  if (!looksLikeTheExecutor(executor)) {
    return "class-validator's ValidationExecutor is not what this package expects (an unexpected class-validator version)";
  }
  return executor;
}

function looksLikeTheExecutor(executor: unknown): executor is ExecutorClass {
  if (typeof executor !== 'function') return false;
  const prototype = executor.prototype as Record<string, unknown> | undefined;
  if (!METHODS.every((method) => typeof prototype?.[method] === 'function')) return false;
  try {
    const probe = new (executor as ExecutorClass)(new Validator(), {});
    return Array.isArray(probe.awaitingPromises);
  } catch {
    return false;
  }
}
