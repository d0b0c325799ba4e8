export { prometheusMetrics, type PrometheusMetricsOptions } from './prometheus.metrics.js';
