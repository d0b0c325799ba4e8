// A separate entry point, so that the main one works without @nestjs/terminus installed.
export { ConfigReloaderHealthIndicator } from './config-reloader.health-indicator.js';
