import { Validate, ValidatorConstraint, type ValidatorConstraintInterface } from 'class-validator';
import { TrendFollowingConfig } from '../sample-app/src/config/trend-following.config.js';

/** Accepts everything; a constraint class, whose answer the library cannot assume depends on the config alone. */
@ValidatorConstraint({ name: 'acceptsAnything' })
class AcceptsAnything implements ValidatorConstraintInterface {
  validate(): boolean {
    return true;
  }
}

/**
 * The sample DTO plus one constraint class: a DTO the library validates in full on every reload,
 * so that the figures of the full path (what every reload did before incremental validation)
 * can be taken in the same run as those of the incremental one.
 */
export class FullPathConfig extends TrendFollowingConfig {
  @Validate(AcceptsAnything)
  override botName!: string;
}
