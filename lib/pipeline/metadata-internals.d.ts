// The parts of class-validator and class-transformer that incremental validation reads: their
// metadata stores (to learn how far each rule reaches) and class-validator's executor (to run
// the very same rules while skipping subtrees that did not change). Neither exports them from
// its root; both have kept them since class-validator 0.14 and class-transformer 0.5.

declare module 'class-validator/cjs/validation/ValidationExecutor.js' {
  import type { ValidationError, Validator, ValidatorOptions } from 'class-validator';

  export class ValidationExecutor {
    awaitingPromises: Promise<unknown>[];
    constructor(validator: Validator, validatorOptions?: ValidatorOptions);
    execute(object: object, targetSchema: string | undefined, errors: ValidationError[]): void;
    stripEmptyErrors(errors: ValidationError[]): ValidationError[];
    nestedValidations(value: unknown, metadatas: unknown[], error: ValidationError): void;
  }
}

declare module 'class-transformer/cjs/storage.js' {
  /** Metadata by target class, then by property name (`undefined` for a class decorator). */
  type ByProperty<T> = Map<Function, Map<string | undefined, T>>;

  export interface TypeMetadata {
    propertyName: string;
    reflectedType: unknown;
    typeFunction: (options?: unknown) => unknown;
    options: { discriminator?: unknown };
  }

  export const defaultMetadataStorage: {
    _typeMetadatas: ByProperty<TypeMetadata>;
    _transformMetadatas: ByProperty<unknown[]>;
    _exposeMetadatas: ByProperty<unknown>;
    _excludeMetadatas: ByProperty<unknown>;
    findTypeMetadata(target: Function, propertyName: string): TypeMetadata | undefined;
  };
}
