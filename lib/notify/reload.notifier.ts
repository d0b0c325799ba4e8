import type { Logger } from '@nestjs/common';
import type { EventEmitter2, EventEmitterReadinessWatcher } from '@nestjs/event-emitter';
import { CONFIG_RELOADED, CONFIG_RELOAD_FAILED } from '../config-reloader.constants.js';
import { describeError, type ConfigReloadError } from '../config-reloader.errors.js';
import { messages } from '../config-reloader.messages.js';
import type {
  ConfigPathListener,
  ConfigReloadedEvent,
  ConfigReloadFailedEvent,
  ConfigReloadListener,
} from '../interfaces/index.js';
import { PathChangeListeners } from './path-change.listeners.js';

export interface ReloadNotifierOptions<T> {
  name: string;
  logger: Logger;
  events?: EventEmitter2;
  readiness?: EventEmitterReadinessWatcher;
  onReload?: (newConfig: Readonly<T>, oldConfig: Readonly<T>) => void | Promise<void>;
  onError?: (error: ConfigReloadError) => void | Promise<void>;
  /** Counts each handler that threw or rejected, for the app's metrics. */
  onListenerError?: () => void;
}

/**
 * Tells the app about reloads, always in this order: the `onReload` / `onError` option, then
 * `'config_reloaded'` / `'config_reload_failed'` through EventEmitter2, then `onReload()`
 * listeners, then `onChange(path)` listeners. @OnEvent handlers are attached when the app bootstraps, so until then events and
 * the listeners after them wait, in order. Every call is isolated: a throwing or rejecting
 * handler is logged and never blocks the others, undoes the swap, or becomes an unhandled
 * rejection. Handlers are started, not awaited, so a slow one cannot delay the next reload.
 */
export class ReloadNotifier<T> {
  private readonly listeners = new Set<ConfigReloadListener<T>>();
  private readonly pathListeners = new PathChangeListeners((kind, call) =>
    this.isolate(kind, call),
  );
  /** Deliveries waiting for the app to bootstrap; undefined once it has. */
  private backlog: (() => void)[] | undefined;

  constructor(private readonly options: ReloadNotifierOptions<T>) {
    const { events, readiness } = options;
    if (!events || !readiness) return;
    const backlog: (() => void)[] = [];
    this.backlog = backlog;
    const flush = () => {
      this.backlog = undefined;
      for (const deliver of backlog) deliver();
    };
    readiness.waitUntilReady().then(flush, (error: unknown) => {
      this.logFailure('event emitter readiness', error);
      flush();
    });
  }

  subscribe(listener: ConfigReloadListener<T>): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  /** Listens to the concrete paths matching `path` (`*` for one segment) whose value changed. */
  onChange(path: string, listener: ConfigPathListener): () => void {
    return this.pathListeners.subscribe(path, listener);
  }

  clear(): void {
    this.listeners.clear();
    this.pathListeners.clear();
    this.backlog?.splice(0);
  }

  reloaded(event: ConfigReloadedEvent<T>): void {
    const { onReload } = this.options;
    if (onReload)
      this.isolate('onReload callback', () => onReload(event.newConfig, event.oldConfig));
    this.whenReady(() => {
      this.emit(CONFIG_RELOADED, event);
      // A copy: a listener may unsubscribe itself (or others) while we iterate.
      for (const listener of Array.from(this.listeners))
        this.isolate('onReload() listener', () => listener(event));
      this.pathListeners.changed(event.oldConfig, event.newConfig, event.version);
    });
  }

  failed(event: ConfigReloadFailedEvent): void {
    const { onError } = this.options;
    if (onError) this.isolate('onError callback', () => onError(event.error));
    this.whenReady(() => this.emit(CONFIG_RELOAD_FAILED, event));
  }

  private whenReady(deliver: () => void): void {
    if (this.backlog) this.backlog.push(deliver);
    else deliver();
  }

  private emit(eventName: string, payload: object): void {
    const { events } = this.options;
    if (!events) return;
    // emitAsync starts every handler now and gathers their promises, so a rejection is caught.
    this.isolate(`'${eventName}' handler`, () => events.emitAsync(eventName, payload));
  }

  /** Runs app code so that a throw or a rejection is logged, never propagated. */
  isolate(kind: string, call: () => unknown): void {
    try {
      const result = call();
      if (result && typeof (result as Promise<unknown>).then === 'function') {
        (result as Promise<unknown>).then(undefined, (error: unknown) =>
          this.listenerFailed(kind, error),
        );
      }
    } catch (error) {
      this.listenerFailed(kind, error);
    }
  }

  private listenerFailed(kind: string, error: unknown): void {
    this.options.onListenerError?.();
    this.logFailure(kind, error);
  }

  private logFailure(kind: string, error: unknown): void {
    this.options.logger.error(
      messages.listenerFailed(this.options.name, kind, describeError(error)),
      error instanceof Error ? error.stack : undefined,
    );
  }
}
