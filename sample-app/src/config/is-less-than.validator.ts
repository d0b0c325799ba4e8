import {
  registerDecorator,
  type ValidationArguments,
  type ValidationOptions,
} from 'class-validator';

/**
 * Cross-field rule: the decorated number must be strictly less than a sibling property.
 * JSON Schema cannot compare two fields, so this lives in the DTO layer.
 */
export function IsLessThan(property: string, validationOptions?: ValidationOptions) {
  return (target: object, propertyName: string): void => {
    registerDecorator({
      name: 'isLessThan',
      target: target.constructor,
      propertyName,
      constraints: [property],
      options: validationOptions,
      validator: {
        validate(value: unknown, args: ValidationArguments): boolean {
          const other = (args.object as Record<string, unknown>)[property];
          // Type errors on either field are reported by their own decorators.
          if (typeof value !== 'number' || typeof other !== 'number') return true;
          return value < other;
        },
        defaultMessage(args: ValidationArguments): string {
          return `${args.property} must be less than ${property}`;
        },
      },
    });
  };
}
