/**
 * Runs tasks one at a time, in the order they were queued. Every reload (watcher, manual,
 * rollback) goes through one queue per instance, so two reads never race to the swap and an
 * older content can never be applied after a newer one.
 */
export class SerialQueue {
  private tail: Promise<unknown> = Promise.resolve();

  run<R>(task: () => Promise<R>): Promise<R> {
    const result = this.tail.then(task);
    // The next task waits for this one to settle, whether it succeeded or failed.
    this.tail = result.then(
      () => undefined,
      () => undefined,
    );
    return result;
  }

  /** Resolves once every task queued so far has settled. */
  async drain(): Promise<void> {
    let tail;
    do {
      tail = this.tail;
      await tail;
    } while (tail !== this.tail);
  }
}
