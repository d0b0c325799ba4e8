import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { skipWithoutPrometheus } from '../support/prometheus-server.js';

const rulesFile = fileURLToPath(
  new URL('../../monitoring/config-reloader.rules.yml', import.meta.url),
);
const testsFile = fileURLToPath(
  new URL('../../monitoring/config-reloader.rules.test.yml', import.meta.url),
);

interface AlertRule {
  alert?: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

interface RuleTestGroup {
  name: string;
  alert_rule_test?: { eval_time: string; alertname: string; exp_alerts?: unknown[] }[];
}

const groups = (
  parse(readFileSync(rulesFile, 'utf8')) as { groups: { name: string; rules: AlertRule[] }[] }
).groups;
const alerts = groups.flatMap((group) => group.rules).filter((rule) => rule.alert !== undefined);
const testGroups = (parse(readFileSync(testsFile, 'utf8')) as { tests: RuleTestGroup[] }).tests;

/** A Prometheus duration such as `1h30m` or `90s`, in seconds. */
function seconds(duration: string): number {
  const units: Record<string, number> = { ms: 0.001, s: 1, m: 60, h: 3600, d: 86_400 };
  let total = 0;
  for (const [, amount, unit] of duration.matchAll(/(\d+)(ms|s|m|h|d)/g)) {
    total += Number(amount) * units[unit!]!;
  }
  return total;
}

function promtool(...args: string[]): { status: number | null; output: string } {
  const run = spawnSync('promtool', args, { encoding: 'utf8' });
  return { status: run.status, output: `${run.stdout}${run.stderr}` };
}

const missing = skipWithoutPrometheus('the promtool checks of the alert rules');

describe('the alert rules shipped in monitoring/', () => {
  // In CI a missing promtool is a broken set-up, not a reason to skip.
  it.runIf(process.env.CI === 'true')('have promtool to check them when CI runs', () => {
    expect(missing).toBeUndefined();
  });

  it('are one group, config-reloader, of alerts only', () => {
    expect(groups.map((group) => group.name)).toEqual(['config-reloader']);
    expect(alerts.length).toBe(groups[0]!.rules.length);
    expect(alerts.length).toBeGreaterThan(0);
  });

  it.skipIf(missing !== undefined)('pass promtool check rules', () => {
    const { status, output } = promtool('check', 'rules', rulesFile);
    expect(output).toContain(`SUCCESS: ${alerts.length} rules found`);
    expect(status, output).toBe(0);
  });

  it.skipIf(missing !== undefined)('pass their unit tests under promtool test rules', () => {
    const { status, output } = promtool('test', 'rules', testsFile);
    expect(status, output).toBe(0);
    expect(output).toContain('SUCCESS');
  });

  it('each have a unit test in which they stay quiet and, later, fire', () => {
    const untested = alerts
      .map((rule) => rule.alert!)
      .filter(
        (alertname) =>
          !testGroups.some((group) => {
            const cases = (group.alert_rule_test ?? []).filter((c) => c.alertname === alertname);
            const firing = cases.filter((c) => (c.exp_alerts ?? []).length > 0);
            const quiet = cases.filter((c) => (c.exp_alerts ?? []).length === 0);
            return firing.some((fire) =>
              quiet.some((calm) => seconds(calm.eval_time) < seconds(fire.eval_time)),
            );
          }),
      );
    expect(untested).toEqual([]);
  });

  it('each wait, carry a severity and describe themselves by name, source, instance and job', () => {
    const problems = alerts.flatMap((rule) => {
      const found: string[] = [];
      if (rule.for === undefined) found.push('no for:');
      if (!['info', 'warning', 'critical'].includes(rule.labels?.severity ?? '')) {
        found.push('no severity info | warning | critical');
      }
      const { summary, description } = rule.annotations ?? {};
      if (!summary || !description) found.push('no summary and description');
      const text = `${summary ?? ''} ${description ?? ''}`;
      // Only labels that identify where, never one that could carry a config's content.
      for (const [, label] of text.matchAll(/\$labels\.(\w+)/g)) {
        if (!['name', 'source', 'instance', 'job'].includes(label!)) found.push(`uses ${label}`);
      }
      if (!text.includes('$labels.job')) found.push('does not name the job');
      return found.map((problem) => `${rule.alert}: ${problem}`);
    });
    expect(problems).toEqual([]);
  });
});
