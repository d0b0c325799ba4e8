/**
 * The type found at a dotted path of `T`, `*` standing for any one key or index:
 * `PathValue<Bot, 'strategies.*.risk'>` is the type of one strategy's `risk`.
 */
export type PathValue<T, P extends string> = P extends ''
  ? T
  : P extends `${infer Head}.${infer Rest}`
    ? PathValue<Step<T, Head>, Rest>
    : Step<T, P>;

type Step<T, K extends string> =
  NonNullable<T> extends readonly (infer E)[]
    ? K extends '*' | `${number}`
      ? E
      : unknown
    : K extends '*'
      ? NonNullable<T>[keyof NonNullable<T>]
      : K extends keyof NonNullable<T>
        ? NonNullable<T>[K]
        : unknown;

/** What `service.onChange(path, listener)` listeners receive, once per concrete path that changed. */
export interface ConfigPathChange<V = unknown> {
  /** The concrete dotted path, array indices as numbers: `strategies.1.risk`. */
  path: string;
  /** The value now; undefined when the path was removed. */
  next: V | undefined;
  /** The value before; undefined when the path was added. */
  previous: V | undefined;
  /** The version that made the change. */
  version: number;
}

export type ConfigPathListener<V = unknown> = (change: ConfigPathChange<V>) => void | Promise<void>;
