import { plainToInstance } from 'class-transformer';
import type { ClassReach, DtoReach } from './dto-reach.analysis.js';
import { shareUnchanged } from '../structural-sharing.js';

type Plain = Record<string, unknown>;
type Instance = Record<string, unknown>;

/**
 * Turns a parsed config into a DTO instance like `plainToInstance(dto, plain)` does, but only
 * along what changed. `plain` shares every unchanged subtree with `previousPlain` (structural
 * sharing on the parsed JSON), so an unchanged subtree is recognised by identity, and the node of
 * `previous` made from it is taken over. Each changed object is made by class-transformer itself
 * from a shallow copy in which its object-valued children are left unset; those children are
 * then put in (taken over, or made the same way, one level down). A class whose rules reach
 * further than its own object (see `analyseDtoReach`) is made whole by class-transformer.
 *
 * Returns the instance, every node of `previous` it took over (`frozen`: frozen already), and
 * of those, the ones validation may skip (`trusted`): the nodes taken over by identity where
 * their parent is built level by level. Inside a class made whole, validation sees everything.
 */
export function transformChanged<T extends object>(
  dto: Function,
  plain: Plain,
  previousPlain: Plain,
  previous: T,
  reach: DtoReach,
): ChangedInstance<T> {
  const builder = new ChangedNodeBuilder(reach);
  const instance = builder.object(dto, plain, previousPlain, previous as unknown as Instance);
  return { instance: instance as T, frozen: builder.frozen, trusted: builder.trusted };
}

export interface ChangedInstance<T> {
  instance: T;
  frozen: WeakSet<object>;
  trusted: WeakSet<object>;
}

class ChangedNodeBuilder {
  readonly frozen = new WeakSet<object>();
  readonly trusted = new WeakSet<object>();

  constructor(private readonly reach: DtoReach) {}

  object(dto: Function, plain: Plain, before: unknown, previous: unknown): unknown {
    if (plain === before && isObject(previous)) return this.takeOver(previous);
    const reach = this.reach.classes.get(dto);
    if (!reach || reach.whole || !isPlainObject(before) || !isInstanceOf(previous, dto)) {
      return this.whole(dto, plain, previous);
    }
    return this.levelByLevel(dto, reach, plain, before, previous);
  }

  private levelByLevel(
    dto: Function,
    reach: ClassReach,
    plain: Plain,
    before: Plain,
    previous: Instance,
  ): Instance {
    const shallow: Plain = {};
    const children: Array<[string, (made: unknown) => unknown]> = [];
    for (const key of Object.keys(plain)) {
      const value = plain[key];
      // Primitives, and the keys class-transformer skips, are class-transformer's to copy.
      if (!isObject(value) || key === 'constructor' || key === '__proto__') {
        shallow[key] = value;
        continue;
      }
      const earlier = Object.hasOwn(before, key) ? before[key] : undefined;
      const was = Object.hasOwn(previous, key) ? previous[key] : undefined;
      const nested = reach.nested.get(key);
      if (value === earlier && isObject(was)) {
        shallow[key] = undefined;
        children.push([key, () => this.takeOver(was)]);
      } else if (nested && !Array.isArray(value)) {
        shallow[key] = undefined;
        children.push([key, () => this.object(nested.dto, value as Plain, earlier, was)]);
      } else if (nested?.elementwise && !(value as unknown[]).some(Array.isArray)) {
        shallow[key] = undefined;
        children.push([key, () => this.array(nested.dto, value as unknown[], earlier, was)]);
      } else {
        // Anything else (no @Type, a Set, nested arrays) class-transformer makes whole.
        shallow[key] = value;
        children.push([key, (made) => shareUnchanged(made, was, this.frozen).value]);
      }
    }
    const instance = plainToInstance(dto as new () => object, shallow) as Instance;
    for (const [key, make] of children) {
      if (skipsKey(dto, instance, key)) continue;
      instance[key] = make(instance[key]);
    }
    return instance;
  }

  private array(dto: Function, items: unknown[], before: unknown, previous: unknown): unknown[] {
    const earlier = Array.isArray(before) ? before : [];
    const was = Array.isArray(previous) && previous.length === earlier.length ? previous : [];
    // Like class-transformer: a primitive or null item with a class as its type is kept as is.
    return items.map((item, index) =>
      isObject(item) ? this.object(dto, item as Plain, earlier[index], was[index]) : item,
    );
  }

  private whole(dto: Function, plain: Plain, previous: unknown): unknown {
    const made = plainToInstance(dto as new () => object, plain);
    return shareUnchanged(made, previous, this.frozen).value;
  }

  private takeOver(previous: object): object {
    this.frozen.add(previous);
    this.trusted.add(previous);
    return previous;
  }
}

/** The properties class-transformer leaves alone: an accessor without a setter, or a method. */
function skipsKey(dto: Function, instance: Instance, key: string): boolean {
  const descriptor = Object.getOwnPropertyDescriptor(dto.prototype, key);
  return (descriptor !== undefined && !descriptor.set) || instance[key] instanceof Function;
}

function isObject(value: unknown): value is object {
  return value !== null && typeof value === 'object';
}

function isPlainObject(value: unknown): value is Plain {
  return isObject(value) && !Array.isArray(value);
}

function isInstanceOf(value: unknown, dto: Function): value is Instance {
  return isObject(value) && Object.getPrototypeOf(value) === dto.prototype;
}
