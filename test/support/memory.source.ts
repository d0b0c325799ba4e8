import { createHash } from 'node:crypto';
import {
  ConfigConflictError,
  type ConfigSource,
  type SourceListener,
  type SourceOutcome,
  type SourceSnapshot,
  type SourceWatch,
} from 'nestjs-config-reloader';

/** A config document kept in memory: the smallest complete ConfigSource. */
export class MemorySource implements ConfigSource {
  readonly id: string;
  /** What became of each change, as the reload path reported it. */
  readonly outcomes: SourceOutcome[] = [];
  private text: string;
  private revision = 1;
  private readonly listeners = new Set<SourceListener>();

  constructor(name: string, initialText: string) {
    this.id = `memory:${name}`;
    this.text = initialText;
  }

  async read(): Promise<SourceSnapshot> {
    return this.snapshot();
  }

  async watch(listener: SourceListener): Promise<SourceWatch> {
    this.listeners.add(listener);
    let active = true;
    return {
      get active() {
        return active;
      },
      mode: 'push',
      close: async () => {
        active = false;
        this.listeners.delete(listener);
      },
    };
  }

  /** Compare-and-swap: replaces the document only if nobody changed it since `expectedRevision`. */
  async write(text: string, expectedRevision: string): Promise<SourceSnapshot> {
    if (expectedRevision !== String(this.revision)) {
      throw new ConfigConflictError(
        this.id,
        expectedRevision,
        String(this.revision),
        `${this.id} is at revision ${this.revision}, not ${expectedRevision}`,
      );
    }
    return this.publish(text);
  }

  report(outcome: SourceOutcome): void {
    this.outcomes.push(outcome);
  }

  /** An operator's change: a new revision, handed to every watcher with its text. */
  publish(text: string): SourceSnapshot {
    this.text = text;
    this.revision++;
    const snapshot = this.snapshot();
    for (const listener of this.listeners) listener.changed(snapshot);
    return snapshot;
  }

  /** The source loses (false) or regains (true) its server, as a remote source says. */
  setConnected(connected: boolean): void {
    for (const listener of this.listeners) listener.connectivity?.(connected);
  }

  private snapshot(): SourceSnapshot {
    const hash = createHash('sha256').update(this.text).digest('hex');
    return { text: this.text, revision: String(this.revision), hash };
  }
}
