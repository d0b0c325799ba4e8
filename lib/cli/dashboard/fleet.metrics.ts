import { FLEET_STATES, type DashboardSnapshot } from './fleet.snapshot.js';

/**
 * `config_reloader_fleet_instances{state}` in the Prometheus text format (0.0.4): every state
 * written, also at 0, so that a rate or an alert on one never sees the series vanish.
 */
export function fleetMetricsText(snapshot: DashboardSnapshot): string {
  const lines = [
    '# HELP config_reloader_fleet_instances Live instances of the fleet by where they stand on ' +
      'the published revision (behind: an older revision with no decision on the published one).',
    '# TYPE config_reloader_fleet_instances gauge',
    ...FLEET_STATES.map(
      (state) => `config_reloader_fleet_instances{state="${state}"} ${snapshot.counts[state]}`,
    ),
  ];
  return `${lines.join('\n')}\n`;
}

export const METRICS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';
