import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { loadConfig } from '../../src/core/config.js';
import { openDashboard } from '../../src/dashboard/open-dashboard.js';
import type { RunningDashboard } from '../../src/dashboard/dashboard-server.js';
import { connect } from '../../src/dialects/index.js';
import type { Database } from '../../src/dialects/database.js';
import { createQueue, runWorker, silentLogger, task, type Queue, type Worker } from '../../src/jobs/index.js';
import { REPO_ROOT } from '../helpers/cli.js';
import { launchBrowser } from './browser.js';

// The dashboard as a job console: pagination past 200 rows, search in payloads, bulk
// actions, pause and resume, history charts, attempts, and an action column that is
// never clipped at 1440 px and 390 px wide.
const SHOTS = join(REPO_ROOT, 'test-results', 'dashboard');
const send = task('send-mail', { queue: 'mail', run: () => {} });
let flakyFailures = 1;
const flaky = task('flaky-report', {
  maxAttempts: 3,
  backoff: { baseMs: 10, factor: 1, jitter: 0 },
  async run() {
    await new Promise((r) => setTimeout(r, 30));
    if (flakyFailures-- > 0) throw new Error('report server busy');
  },
});

describe('dashboard job console in a real browser', () => {
  let dir: string;
  let db: Database;
  let queue: Queue;
  let worker: Worker;
  let dashboard: RunningDashboard;
  let browser: Awaited<ReturnType<typeof launchBrowser>>;
  let page: Page;
  let flakyId: number;

  before(async () => {
    mkdirSync(SHOTS, { recursive: true });
    dir = mkdtempSync(join(tmpdir(), 'lockstep-console-'));
    const url = `sqlite:${join(dir, 'app.db')}`;
    writeFileSync(join(dir, 'lockstep.config.json'), JSON.stringify({ url, health: { driftCacheMs: 0 } }));
    db = await connect(url);
    queue = await createQueue({ db, tasks: [send, flaky] });
    await queue.install();
    await queue.pauseQueue('mail');
    await queue.enqueueMany(Array.from({ length: 230 }, (_, i) => ({ task: send, payload: { order: `ord-${i + 1}`, to: `customer${i + 1}@example.com` } })));
    flakyId = (await queue.enqueue(flaky, { report: 'weekly' }, { key: 'weekly-report-with-a-rather-long-key-2026-11-30' })).id;
    worker = await runWorker({ db, tasks: [send, flaky], concurrency: 4, leaseMs: 3000, pollIntervalMs: 50, logger: silentLogger });
    dashboard = await openDashboard({ config: loadConfig({ cwd: dir, env: {} }), port: 0 });
    browser = await launchBrowser();
    page = await browser.context.newPage();
    page.on('dialog', (dialog) => void dialog.accept());
  });

  after(async () => {
    await browser?.close();
    await dashboard?.close();
    await worker?.stop();
    await queue?.close();
    await db?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const rowIds = () => page.locator('#jobs tr[data-job-id]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-job-id')));

  test('pages through 230 queued jobs 50 at a time (no 200-row cap) and searches payloads', async () => {
    await page.setViewportSize({ width: 1440, height: 900 });
    await page.goto(`${dashboard.url}#/jobs?queue=mail`);
    await page.waitForFunction(() => document.querySelector('#page-info')?.textContent === '1–50 of 230');
    assert.equal((await rowIds()).length, 50);
    await page.locator('#page-next').click();
    await page.waitForFunction(() => document.querySelector('#page-info')?.textContent === '51–100 of 230');
    await page.goto(`${dashboard.url}#/jobs?queue=mail&page=5`);
    await page.waitForFunction(() => document.querySelector('#page-info')?.textContent === '201–230 of 230');
    assert.equal((await rowIds()).length, 30);
    assert.equal(await page.locator('#page-next').isDisabled(), true);

    await page.goto(`${dashboard.url}#/jobs`);
    await page.locator('#f-search').fill('customer77@');
    await page.waitForFunction(() => document.querySelectorAll('#jobs tr[data-job-id]').length === 1);
    const [id] = await rowIds();
    assert.deepEqual((await queue.getJob(Number(id)))!.payload, { order: 'ord-77', to: 'customer77@example.com' });
  });

  test('bulk: cancel the selected jobs, retry every cancelled one, delete every job a search matches', async () => {
    await page.goto(`${dashboard.url}#/jobs?queue=mail`);
    await page.waitForFunction(() => document.querySelectorAll('#jobs tr[data-job-id]').length === 50);
    const ids = (await rowIds()).slice(0, 3) as string[];
    for (const id of ids) await page.locator(`#jobs input[data-select="${id}"]`).check();
    await page.waitForFunction(() => document.querySelector('#bulk-selected')?.textContent === '3 selected');
    await page.locator('#bulk [data-bulk=cancel][data-scope=selected]').click();
    await waitFor(async () => (await queue.countJobs({ state: 'cancelled' })) === 3, 'three cancelled jobs');
    for (const id of ids) assert.equal((await queue.getJob(Number(id)))!.state, 'cancelled');

    await page.goto(`${dashboard.url}#/jobs?state=cancelled`);
    await page.waitForFunction(() => document.querySelector('#bulk-all-label')?.textContent === 'All 3 matching:');
    await page.locator('#bulk [data-bulk=retry][data-scope=filter]').click();
    await waitFor(async () => (await queue.countJobs({ state: 'cancelled' })) === 0, 'the cancelled jobs re-queued');

    await page.goto(`${dashboard.url}#/jobs`);
    await page.locator('#f-search').fill('ord-22');
    // ord-22 and ord-220 … ord-229: 11 jobs.
    await page.waitForFunction(() => document.querySelector('#bulk-all-label')?.textContent === 'All 11 matching:');
    await page.locator('#bulk [data-bulk=delete][data-scope=filter]').click();
    await waitFor(async () => (await queue.countJobs({ search: 'ord-22' })) === 0, 'the matching jobs deleted');
    assert.equal(await queue.countJobs({ queue: 'mail' }), 219);
  });

  test('the action column is never clipped at 1440 px and 390 px wide', async () => {
    for (const [width, height] of [
      [1440, 900],
      [390, 844],
    ] as const) {
      await page.setViewportSize({ width, height });
      for (const route of ['#/jobs', '#/jobs?state=queued&page=2', '#/']) {
        await page.goto(`${dashboard.url}${route}`);
        const selector = route === '#/' ? '#queues td.act-col button' : '#jobs td.act-col button';
        await page.locator(selector).first().waitFor();
        const clipped = await page.evaluate((sel) => {
          const out: string[] = [];
          for (const button of document.querySelectorAll<HTMLElement>(sel)) {
            const r = button.getBoundingClientRect();
            if (r.bottom < 0 || r.top > innerHeight) continue;
            const x = r.left + r.width / 2;
            const y = r.top + r.height / 2;
            const hit = document.elementFromPoint(x, y);
            if (r.left < 0 || r.right > innerWidth || !(hit === button || button.contains(hit))) out.push(`${button.textContent} at ${Math.round(r.left)}..${Math.round(r.right)} (viewport ${innerWidth})`);
          }
          if (document.documentElement.scrollWidth > innerWidth) out.push(`the page scrolls sideways: ${document.documentElement.scrollWidth} > ${innerWidth}`);
          return out;
        }, selector);
        assert.deepEqual(clipped, [], `${width} px, ${route}`);
        await page.screenshot({ path: join(SHOTS, `console-${width}-${route.replace(/[^a-z0-9]+/gi, '_')}.png`) });
      }
    }
    await page.setViewportSize({ width: 1440, height: 900 });
  });

  test('resume a paused queue from the overview: its jobs run and the throughput chart shows them', async () => {
    await page.goto(dashboard.url);
    const row = page.locator('#queues tr[data-queue=mail]');
    await row.locator('.badge.paused').waitFor();
    await row.locator('button[data-queue-action=resume]').click();
    await waitFor(async () => (await queue.queues()).find((q) => q.queue === 'mail')?.paused === false, 'the queue resumed');
    await waitFor(async () => (await queue.countJobs({ queue: 'mail', state: 'succeeded' })) === 219, 'the mail jobs ran', 30_000);
    await page.waitForFunction(() => Number(document.querySelector('.chart[data-queue=mail] .throughput')?.textContent?.replace(/\D/g, '')) === 219, undefined, { timeout: 10_000 });
    await page.waitForFunction(() => Number(document.querySelector('.chart[data-queue=default] .failures')?.textContent) >= 1, undefined, { timeout: 10_000 });
    await page.locator('#queues tr[data-queue=mail] button[data-queue-action=pause]').click();
    await waitFor(async () => (await queue.queues()).find((q) => q.queue === 'mail')?.paused === true, 'the queue paused again');
    await page.screenshot({ path: join(SHOTS, 'console-overview.png'), fullPage: true });
  });

  test('job detail keeps each attempt\'s start and duration after a retry', async () => {
    await waitFor(async () => (await queue.getJob(flakyId))?.state === 'succeeded', 'the flaky job to succeed');
    await page.goto(`${dashboard.url}#/jobs?job=${flakyId}`);
    const attempts = page.locator('#detail tr[data-attempt]');
    await attempts.nth(1).waitFor();
    const rows = await attempts.evaluateAll((trs) => trs.map((tr) => [tr.querySelector('.badge')?.textContent, tr.querySelector('time')?.getAttribute('datetime'), tr.querySelector('.took')?.textContent]));
    assert.equal(rows.length, 2);
    assert.deepEqual(rows.map((r) => r[0]), ['failed', 'succeeded']);
    for (const [, started, took] of rows) {
      assert.ok(started && !Number.isNaN(Date.parse(started)), `start ${started}`);
      assert.match(took ?? '', /^\d+ ms$/);
      assert.ok(Number.parseInt(took!, 10) >= 25, `took ${took}`);
    }
    await page.screenshot({ path: join(SHOTS, 'console-job-detail.png') });
  });
});

async function waitFor(check: () => Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.fail(`timed out waiting for ${what}`);
}
