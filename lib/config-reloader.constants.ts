/** Event emitted through EventEmitter2 after a new config has been applied. */
export const CONFIG_RELOADED = 'config_reloaded';

/** Event emitted through EventEmitter2 when an automatic reload failed; the current config is kept. */
export const CONFIG_RELOAD_FAILED = 'config_reload_failed';

/** Name of the instance registered when `name` is not given. */
export const DEFAULT_INSTANCE_NAME = 'default';

/** Injection token of the function used to create file watchers (chokidar's `watch` by default). */
export const CONFIG_WATCH_FUNCTION = Symbol('CONFIG_WATCH_FUNCTION');

export const DEFAULT_DEBOUNCE_MS = 1000;
export const DEFAULT_VERIFY_INTERVAL_MS = 1000;
export const DEFAULT_MAX_FILE_BYTES = 10 * 1024 * 1024;
export const DEFAULT_HISTORY_SIZE = 10;
/** Polling interval used with `usePolling`; also how often chokidar stats the directory. */
export const DEFAULT_POLLING_INTERVAL_MS = 100;
/**
 * Shortest wait after a read or a reload before looking again: for a write no event reported
 * (the file source) and for a failure that waited long enough (the reload path).
 */
export const MIN_SETTLE_MS = 50;
