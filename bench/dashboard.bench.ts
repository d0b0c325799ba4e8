import { spawn, type ChildProcess } from 'node:child_process';
import { Etcd3 } from 'etcd3';
import { chromium, type Browser, type Page } from 'playwright-core';
import {
  instanceStatusKey,
  type InstanceStatus,
} from '../lib/sources/etcd/fleet/instance-status.js';
import { EtcdCluster, findEtcd } from '../test/support/etcd-cluster.js';
import { loadSampleConfig, renderConfig } from './fixtures.js';
import type { Plan } from './plan.js';
import { summarize, type Summary } from './stats.js';
import { CLI_PATH, checkCliBuilt } from './variants-cli.js';

export interface DashboardResult {
  instances: number;
  /** `goto` -> every instance's row and the counts in the page, painted (ms). */
  firstPaint: Summary;
  /** The last instance's record written to etcd -> the page counts every instance applied (ms). */
  putVisible: Summary;
}

const KEY = '/bench/dashboard';
/** Records per etcd transaction when the fleet reports (etcd's default limit is 128 ops). */
const PER_TXN = 100;

/**
 * The dashboard at fleet scale: `instances` status records written straight into etcd (as that
 * many instances would), the built CLI's `dashboard` serving them, Debian's Chromium reading the
 * page. First paint: a fresh page until its table holds every row and the counts say so. A
 * put's new state: the key put, then every record rewritten as applied at its revision, until
 * the page counts them all.
 */
export async function runDashboard(plan: Plan['dashboard']): Promise<DashboardResult> {
  checkCliBuilt();
  const executablePath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
  const etcd = findEtcd();
  if ('missing' in etcd) throw new Error(`the dashboard benchmark needs etcd: ${etcd.missing}`);
  const cluster = await EtcdCluster.start(1);
  const client = new Etcd3({ hosts: cluster.hosts });
  const lease = client.lease(60);
  let dashboard: ChildProcess | undefined;
  let browser: Browser | undefined;
  try {
    const config = loadSampleConfig();
    const put = async (seq: number) => {
      const answer = await client.put(KEY).value(renderConfig(config, seq));
      return answer.header.revision;
    };
    const report = async (revision: string) => {
      for (let first = 0; first < plan.instances; first += PER_TXN) {
        const puts = [];
        for (let i = first; i < Math.min(first + PER_TXN, plan.instances); i++) {
          const key = instanceStatusKey(KEY, `bot-${i}`);
          puts.push(lease.put(key).value(JSON.stringify(record(i, revision))));
        }
        await client
          .if(KEY, 'Create', '>', 0)
          .then(...puts)
          .commit();
      }
    };
    await report(await put(0));
    const started = await startDashboard(cluster.hosts);
    dashboard = started.child;
    browser = await chromium.launch({ executablePath });

    const firstPaint: number[] = [];
    let page: Page | undefined;
    // The first load of a fresh browser is not counted: an operator's browser is already running.
    for (let round = -1; round < plan.pageLoads; round++) {
      await page?.close();
      page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
      const begun = performance.now();
      await page.goto(started.url);
      await fleetShown(page, plan.instances, plan.boundMs);
      if (round >= 0) firstPaint.push(performance.now() - begun);
    }
    const putVisible: number[] = [];
    for (let seq = 1; seq <= plan.puts; seq++) {
      const revision = await put(seq);
      const shown = allAppliedAt(page!, revision, plan.instances, plan.boundMs);
      shown.catch(() => undefined); // awaited below, after the fleet reported
      await report(revision);
      const reported = performance.now();
      await shown;
      putVisible.push(performance.now() - reported);
    }
    return {
      instances: plan.instances,
      firstPaint: summarize(firstPaint),
      putVisible: summarize(putVisible),
    };
  } finally {
    await browser?.close();
    if (dashboard?.exitCode === null) dashboard.kill('SIGTERM');
    await lease.revoke().catch(() => undefined); // its keep-alive would hold the process open
    client.close();
    await cluster.stop();
  }
}

function record(i: number, revision: string): InstanceStatus {
  return {
    ...{ instanceId: `bot-${i}`, hostname: `host-${i % 20}`, pid: 1000 + i, name: 'default' },
    ...{ labels: { symbol: ['BTC', 'ETH', 'SOL'][i % 3]! }, version: 1, revision, hash: 'h' },
    ...{ variant: { overlays: [] }, state: 'applied', updatedAt: new Date().toISOString() },
  };
}

/** The little of the page's DOM the checks read (bench/ compiles without the DOM's types). */
interface PageDocument {
  querySelectorAll(selector: string): { length: number };
  querySelector(selector: string): { textContent: string | null } | null;
}

/**
 * Every row in the table and every instance counted, checked on each animation frame. A
 * function, not a string: the page's Content-Security-Policy forbids evaluating text as code.
 */
function fleetShown(page: Page, instances: number, timeout: number) {
  return page.waitForFunction(
    ([n, applied]) => {
      const { document } = globalThis as unknown as { document: PageDocument };
      return (
        document.querySelectorAll('#fleet tbody tr').length === n &&
        document.querySelector('#counts [data-state="applied"]')?.textContent === applied
      );
    },
    [instances, `applied: ${instances}`] as const,
    { polling: 'raf', timeout },
  );
}

/** The published revision is `revision` and every instance counts as applied at it. */
function allAppliedAt(page: Page, revision: string, instances: number, timeout: number) {
  return page.waitForFunction(
    ([rev, applied]) => {
      const { document } = globalThis as unknown as { document: PageDocument };
      return (
        document.querySelector('#published')?.textContent === rev &&
        document.querySelector('#counts [data-state="applied"]')?.textContent === applied
      );
    },
    [revision, `applied: ${instances}`] as const,
    { polling: 'raf', timeout },
  );
}

/** The built CLI's dashboard on a free port; resolves with the address it prints first. */
function startDashboard(hosts: string[]): Promise<{ child: ChildProcess; url: string }> {
  const args = [CLI_PATH, 'dashboard', '--etcd', hosts.join(','), '--key', KEY, '--port', '0'];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no address: ${output}`)), 30_000);
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const match = /^dashboard: (http:\/\/\S+)/m.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve({ child, url: match[1]! });
      }
    });
    child.stderr!.on('data', (chunk: Buffer) => void (output += chunk.toString()));
    child.once('exit', (code) => reject(new Error(`the dashboard exited ${code}: ${output}`)));
  });
}
