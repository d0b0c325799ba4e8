export { openTelemetryMetrics, type OpenTelemetryMetricsOptions } from './opentelemetry.metrics.js';
