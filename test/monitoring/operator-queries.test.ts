import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { skipWithoutPrometheus } from '../support/prometheus-server.js';

const page = fileURLToPath(new URL('../../docs/monitoring.md', import.meta.url));

/** The ```promql blocks of docs/monitoring.md, in order. */
const queries = [...readFileSync(page, 'utf8').matchAll(/^```promql\n([\s\S]*?)^```$/gm)].map(
  ([, query]) => query!.trim(),
);

const missing = skipWithoutPrometheus('the check of the PromQL in docs/monitoring.md');

describe('the queries in docs/monitoring.md', () => {
  const dir = mkdtempSync(join(tmpdir(), 'operator-queries-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('answer the six questions of the page', () => {
    expect(queries.length).toBe(6);
  });

  // Each query becomes a recording rule, so that promtool's parser checks it without a server.
  it.skipIf(missing !== undefined)('are PromQL that Prometheus parses', () => {
    const file = join(dir, 'queries.rules.yml');
    const rules = queries.map((expr, index) => ({ record: `docs:query_${index}`, expr }));
    writeFileSync(file, JSON.stringify({ groups: [{ name: 'docs', rules }] }));
    const run = spawnSync('promtool', ['check', 'rules', file], { encoding: 'utf8' });
    expect(run.status, `${run.stdout}${run.stderr}`).toBe(0);
    expect(run.stdout).toContain(`SUCCESS: ${queries.length} rules found`);
  });

  // Each query against one small fleet whose answer is known (promtool evaluates PromQL on
  // input series without a server). Counters and rates are rounded: Prometheus extrapolates a
  // window's edges, and the answer to the question is the whole number.
  it.skipIf(missing !== undefined)('give the answers their questions ask for', () => {
    const [bad, failed, perResult, behind, holding, p99] = queries as [
      string,
      string,
      string,
      string,
      string,
      string,
    ];
    const bot = (n: number, more = '') =>
      `{job="bots",instance="bot-${n}:3000",name="default",source="file"${more}}`;
    const bucket = (le: string, values: string) => ({
      series: `config_reloader_reload_duration_seconds_bucket${bot(1, `,result="applied",le="${le}"`)}`,
      values,
    });
    const tests = {
      rule_files: [],
      evaluation_interval: '1m',
      tests: [
        {
          interval: '1m',
          input_series: [
            { series: `config_reloader_last_reload_successful${bot(1)}`, values: '1x60' },
            { series: `config_reloader_last_reload_successful${bot(2)}`, values: '1x30 0x30' },
            {
              series: `config_reloader_reloads_total${bot(1, ',result="applied"')}`,
              values: '0+1x60',
            },
            {
              series: `config_reloader_reloads_total${bot(2, ',result="applied"')}`,
              values: '0+1x60',
            },
            {
              series: `config_reloader_reloads_total${bot(2, ',result="rejected"')}`,
              values: '0x30 2x30',
            },
            {
              series: `config_reloader_reloads_total${bot(3, ',result="failed"')}`,
              values: '0x60',
            },
            {
              series: `config_reloader_config_info${bot(1, ',revision="7",hash="a"')}`,
              values: '1x60',
            },
            {
              series: `config_reloader_config_info${bot(2, ',revision="7",hash="a"')}`,
              values: '1x60',
            },
            {
              series: `config_reloader_config_info${bot(3, ',revision="6",hash="b"')}`,
              values: '1x60',
            },
            { series: `config_reloader_pending_changes${bot(1)}`, values: '1x60' },
            { series: `config_reloader_holds${bot(1)}`, values: '1x60' },
            { series: `config_reloader_pending_changes${bot(2)}`, values: '1x60' },
            { series: `config_reloader_holds${bot(2)}`, values: '0x60' },
            // Every reload took between 5 and 10 ms: the p99 lies in that bucket.
            bucket('0.005', '0x60'),
            bucket('0.01', '0+10x60'),
            bucket('+Inf', '0+10x60'),
          ],
          promql_expr_test: [
            {
              expr: bad,
              eval_time: '60m',
              exp_samples: [
                { labels: `config_reloader_last_reload_successful${bot(2)}`, value: 0 },
              ],
            },
            {
              expr: `round(${failed})`,
              eval_time: '60m',
              exp_samples: [
                {
                  labels: '{job="bots",instance="bot-2:3000",name="default",result="rejected"}',
                  value: 2,
                },
              ],
            },
            {
              expr: `round(${perResult})`,
              eval_time: '60m',
              exp_samples: [
                { labels: '{result="applied"}', value: 120 },
                { labels: '{result="failed"}', value: 0 },
                { labels: '{result="rejected"}', value: 2 },
              ],
            },
            {
              expr: behind,
              eval_time: '60m',
              exp_samples: [
                {
                  labels: `config_reloader_config_info${bot(3, ',revision="6",hash="b"')}`,
                  value: 1,
                },
              ],
            },
            {
              expr: holding,
              eval_time: '60m',
              exp_samples: [{ labels: `config_reloader_pending_changes${bot(1)}`, value: 1 }],
            },
            {
              expr: `round(1000 * ${p99})`,
              eval_time: '60m',
              exp_samples: [{ labels: '{result="applied"}', value: 10 }],
            },
          ],
        },
      ],
    };
    const file = join(dir, 'queries.test.yml');
    writeFileSync(file, JSON.stringify(tests));
    const run = spawnSync('promtool', ['test', 'rules', file], { encoding: 'utf8' });
    expect(run.status, `${run.stdout}${run.stderr}`).toBe(0);
  });
});
