// The parts of class-validator and class-transformer that neither exports from its root, typed
// for the two files that read them: validator-metadata.adapter.ts (class-transformer's metadata
// store) and validation-executor.loader.ts (class-validator's executor, loaded lazily).

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
  import type {
    ExcludeMetadata,
    ExposeMetadata,
    TransformationType,
    TransformMetadata,
    TypeMetadata,
  } from 'class-transformer';

  /** Metadata by declaring class, then by property name (`undefined` for a class decorator). */
  type ByProperty<T> = Map<Function, Map<string | undefined, T>>;

  /** class-transformer's public `MetadataStorage` methods this package calls. */
  export interface PublicMetadataStorage {
    findTypeMetadata(target: Function, propertyName: string): TypeMetadata | undefined;
    findTransformMetadatas(
      target: Function,
      propertyName: string,
      transformationType: TransformationType,
    ): TransformMetadata[];
    /** `propertyName` undefined: a mark on the class itself (or an ancestor). */
    findExposeMetadata(
      target: Function,
      propertyName: string | undefined,
    ): ExposeMetadata | undefined;
    findExcludeMetadata(
      target: Function,
      propertyName: string | undefined,
    ): ExcludeMetadata | undefined;
    getExposedMetadatas(target: Function): ExposeMetadata[];
    getExcludedMetadatas(target: Function): ExcludeMetadata[];
  }

  /**
   * The private indexes no public method lists: which properties of a class carry a `@Type` or
   * a `@Transform`. Optional: a later version may rename them.
   */
  export interface PropertyIndexes {
    _typeMetadatas?: ByProperty<TypeMetadata>;
    _transformMetadatas?: ByProperty<TransformMetadata[]>;
  }

  export const defaultMetadataStorage: PublicMetadataStorage;
}
