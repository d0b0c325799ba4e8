import { BehaviorSubject, Observable } from 'rxjs';

/**
 * The config in force as a stream, for `service.select(selector)`: state, so it follows every
 * applied version (`notify: false` included), and completes when the module is destroyed.
 */
export class ConfigSelection<T> {
  private subject: BehaviorSubject<Readonly<T>> | undefined;
  private completed = false;

  constructor(private readonly isolate: (kind: string, call: () => unknown) => void) {}

  /** A new version is in force. */
  publish(config: Readonly<T>): void {
    if (this.completed) return;
    if (this.subject) this.subject.next(config);
    else this.subject = new BehaviorSubject(config);
  }

  /**
   * Emits `selector(config)` at once and again whenever it is a different value (by identity:
   * unchanged subtrees keep their identity from version to version). A selector that throws is
   * logged and skipped for that version.
   */
  select<R>(selector: (config: Readonly<T>) => R): Observable<R> {
    return new Observable<R>((subscriber) => {
      if (!this.subject) {
        subscriber.complete();
        return undefined;
      }
      let emitted = false;
      let last: R;
      const subscription = this.subject.subscribe({
        next: (config) => {
          let value!: R;
          let ok = false;
          this.isolate('select() selector', () => {
            value = selector(config);
            ok = true;
          });
          if (!ok || (emitted && Object.is(value, last))) return;
          emitted = true;
          last = value;
          subscriber.next(value);
        },
        complete: () => subscriber.complete(),
      });
      return () => subscription.unsubscribe();
    });
  }

  complete(): void {
    this.completed = true;
    this.subject?.complete();
  }
}
