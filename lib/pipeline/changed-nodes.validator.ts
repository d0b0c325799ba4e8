import { Validator, type ValidationError, type ValidatorOptions } from 'class-validator';
import { ValidationExecutor } from 'class-validator/cjs/validation/ValidationExecutor.js';

/**
 * class-validator's own executor, told which objects it may skip: nodes taken over unchanged
 * from the config in force, which were valid there and whose rules see nothing outside them.
 * Every other object, and every rule on it, runs exactly as in `validate()`.
 */
class ChangedNodesExecutor extends ValidationExecutor {
  constructor(
    options: ValidatorOptions,
    private readonly trusted: WeakSet<object>,
  ) {
    super(new Validator(), options);
  }

  override execute(object: object, schema: string | undefined, errors: ValidationError[]): void {
    if (!this.trusted.has(object)) super.execute(object, schema, errors);
  }

  // An array of 10,000 nested DTOs with one changed: visit that one (a sparse copy keeps the
  // indices, which name the issues), not 10,000 empty results.
  override nestedValidations(value: unknown, metadatas: unknown[], error: ValidationError): void {
    if (this.isTrusted(value)) return; // an array taken over whole
    super.nestedValidations(Array.isArray(value) ? this.untrusted(value) : value, metadatas, error);
  }

  private untrusted(items: unknown[]): unknown[] {
    if (!items.some((item) => this.isTrusted(item))) return items;
    const sparse: unknown[] = [];
    sparse.length = items.length; // holes, which forEach passes over
    items.forEach((item, index) => {
      if (!this.isTrusted(item)) sparse[index] = item;
    });
    return sparse;
  }

  private isTrusted(item: unknown): boolean {
    return item !== null && typeof item === 'object' && this.trusted.has(item);
  }
}

/** `validate(instance, options)`, skipping the subtrees in `trusted`. */
export async function validateChangedNodes(
  instance: object,
  trusted: WeakSet<object>,
  options: ValidatorOptions,
): Promise<ValidationError[]> {
  const executor = new ChangedNodesExecutor(options, trusted);
  const errors: ValidationError[] = [];
  executor.execute(instance, undefined, errors);
  await Promise.all(executor.awaitingPromises);
  return executor.stripEmptyErrors(errors);
}
