import type { Logger } from '@nestjs/common';
import type { EventEmitter2, EventEmitterReadinessWatcher } from '@nestjs/event-emitter';
import { CONFIG_RELOADED, CONFIG_RELOAD_FAILED } from '../config-reloader.constants.js';
import { describeError, type ConfigReloadError } from '../config-reloader.errors.js';
import { messages } from '../config-reloader.messages.js';
import type {
  ConfigReloadedEvent,
  ConfigReloadFailedEvent,
  ConfigReloadListener,
} from '../interfaces/index.js';

export interface ReloadNotifierOptions<T> {
  name: string;
  logger: Logger;
  events?: EventEmitter2;
  readiness?: EventEmitterReadinessWatcher;
  onReload?: (newConfig: Readonly<T>, oldConfig: Readonly<T>) => void | Promise<void>;
  onError?: (error: ConfigReloadError) => void | Promise<void>;
}

/**
 * Tells the app about reloads: the `onReload` / `onError` options, `'config_reloaded'` and
 * `'config_reload_failed'` through EventEmitter2, and `onReload()` listeners. Every call is
 * isolated: a throwing or rejecting handler is logged and never blocks the others, undoes the
 * swap, or becomes an unhandled rejection. Handlers are not awaited, so a slow one cannot delay
 * the next reload.
 */
export class ReloadNotifier<T> {
  private readonly listeners = new Set<ConfigReloadListener<T>>();

  constructor(private readonly options: ReloadNotifierOptions<T>) {}

  subscribe(listener: ConfigReloadListener<T>): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  clear(): void {
    this.listeners.clear();
  }

  reloaded(event: ConfigReloadedEvent<T>): void {
    const { onReload } = this.options;
    if (onReload)
      this.isolate('onReload callback', () => onReload(event.newConfig, event.oldConfig));
    this.emit(CONFIG_RELOADED, event);
    // A copy: a listener may unsubscribe itself (or others) while we iterate.
    for (const listener of Array.from(this.listeners))
      this.isolate('onReload() listener', () => listener(event));
  }

  failed(event: ConfigReloadFailedEvent): void {
    const { onError } = this.options;
    if (onError) this.isolate('onError callback', () => onError(event.error));
    this.emit(CONFIG_RELOAD_FAILED, event);
  }

  private emit(eventName: string, payload: object): void {
    const { events, readiness } = this.options;
    if (!events) return;
    // @OnEvent handlers are attached at application bootstrap; an event sent before that is lost.
    const ready = readiness ? readiness.waitUntilReady() : Promise.resolve();
    ready
      .then(() => events.emitAsync(eventName, payload))
      .catch((error: unknown) => this.logFailure(`'${eventName}' handler`, error));
  }

  private isolate(kind: string, call: () => unknown): void {
    try {
      const result = call();
      if (result && typeof (result as Promise<unknown>).then === 'function') {
        (result as Promise<unknown>).then(undefined, (error: unknown) =>
          this.logFailure(kind, error),
        );
      }
    } catch (error) {
      this.logFailure(kind, error);
    }
  }

  private logFailure(kind: string, error: unknown): void {
    this.options.logger.error(
      messages.listenerFailed(this.options.name, kind, describeError(error)),
      error instanceof Error ? error.stack : undefined,
    );
  }
}
