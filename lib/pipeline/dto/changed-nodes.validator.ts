import { Validator, type ValidationError, type ValidatorOptions } from 'class-validator';
import type { ExecutorClass } from './validation-executor.loader.js';

/** `validate(instance, options)`, skipping the subtrees in `trusted`. */
export type ChangedNodesValidation = (
  instance: object,
  trusted: WeakSet<object>,
  options: ValidatorOptions,
) => Promise<ValidationError[]>;

/**
 * Validation on class-validator's own executor, told which objects it may skip: nodes taken over
 * unchanged from the config in force, which were valid there and whose rules see nothing outside
 * them. Every other object, and every rule on it, runs exactly as in `validate()`.
 */
export function changedNodesValidation(Executor: ExecutorClass): ChangedNodesValidation {
  const isTrusted = (trusted: WeakSet<object>, item: unknown): boolean =>
    item !== null && typeof item === 'object' && trusted.has(item);

  class ChangedNodesExecutor extends Executor {
    constructor(
      options: ValidatorOptions,
      readonly trusted: WeakSet<object>,
    ) {
      super(new Validator(), options);
    }

    override execute(object: object, schema: string | undefined, errors: ValidationError[]): void {
      if (!this.trusted.has(object)) super.execute(object, schema, errors);
    }

    // An array of 10,000 nested DTOs with one changed: visit that one (a sparse copy keeps the
    // indices, which name the issues), not 10,000 empty results.
    override nestedValidations(value: unknown, metadatas: unknown[], error: ValidationError): void {
      if (isTrusted(this.trusted, value)) return; // an array taken over whole
      super.nestedValidations(
        Array.isArray(value) ? this.untrusted(value) : value,
        metadatas,
        error,
      );
    }

    untrusted(items: unknown[]): unknown[] {
      if (!items.some((item) => isTrusted(this.trusted, item))) return items;
      const sparse: unknown[] = [];
      sparse.length = items.length; // holes, which forEach passes over
      items.forEach((item, index) => {
        if (!isTrusted(this.trusted, item)) sparse[index] = item;
      });
      return sparse;
    }
  }

  return async (instance, trusted, options) => {
    const executor = new ChangedNodesExecutor(options, trusted);
    const errors: ValidationError[] = [];
    executor.execute(instance, undefined, errors);
    await Promise.all(executor.awaitingPromises);
    return executor.stripEmptyErrors(errors);
  };
}
