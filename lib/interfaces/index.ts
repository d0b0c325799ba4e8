export * from './config-reloader-options.interface.js';
export * from './config-reloader-events.interface.js';
export * from './config-reloader-health.interface.js';
export * from './config-reloader-history.interface.js';
export * from './config-reloader-paths.interface.js';
export * from './config-source.interface.js';
export * from './config-metrics.interface.js';
