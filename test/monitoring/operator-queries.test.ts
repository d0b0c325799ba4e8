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
});
