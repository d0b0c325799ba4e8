import { Controller, Get, Header } from '@nestjs/common';
import { register } from 'prom-client';

/**
 * `GET /metrics`: prom-client's global registry in the Prometheus text format, where
 * `prometheusMetrics()` registers the reloader's `config_reloader_*` metrics by default.
 */
@Controller('metrics')
export class MetricsController {
  @Get()
  @Header('Content-Type', register.contentType)
  scrape(): Promise<string> {
    return register.metrics();
  }
}
