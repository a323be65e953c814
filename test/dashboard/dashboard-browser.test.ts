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
import { createQueue, PermanentError, runWorker, silentLogger, task, type Queue, type Worker } from '../../src/jobs/index.js';
import { migrateUp, readMigrationsFolder } from '../../src/migrations/migrator.js';
import { REPO_ROOT } from '../helpers/cli.js';
import { launchBrowser } from './browser.js';

const SHOTS = join(REPO_ROOT, 'test-results', 'dashboard');
let failFlaky = true;
const slow = task('slow-sync', {
  queue: 'inventory',
  async run(payload: { steps: number }, ctx) {
    for (let i = 1; i <= payload.steps; i++) {
      await new Promise((r) => setTimeout(r, 250));
      ctx.signal.throwIfAborted();
      ctx.progress(i, payload.steps);
    }
  },
});
const flaky = task('flaky-export', {
  maxAttempts: 1,
  async run() {
    if (failFlaky) throw new PermanentError('export endpoint rejected the file: 422 Unprocessable Entity');
  },
});

describe('dashboard in a real browser', () => {
  let dir: string;
  let db: Database;
  let queue: Queue;
  let worker: Worker;
  let dashboard: RunningDashboard;
  let browser: Awaited<ReturnType<typeof launchBrowser>>;
  let page: Page;
  let ids: { slow: number; dead: number; later: number };

  before(async () => {
    mkdirSync(SHOTS, { recursive: true });
    dir = mkdtempSync(join(tmpdir(), 'lockstep-dashboard-'));
    mkdirSync(join(dir, 'migrations', '001_items'), { recursive: true });
    writeFileSync(join(dir, 'migrations', '001_items', 'up.sql'), 'create table items (id integer primary key, sku varchar(40) not null);\n');
    const url = `sqlite:${join(dir, 'app.db')}`;
    writeFileSync(join(dir, 'lockstep.config.json'), JSON.stringify({ url, migrations: 'migrations', health: { driftCacheMs: 0 } }));
    db = await connect(url);
    await migrateUp(db, readMigrationsFolder(join(dir, 'migrations')));
    queue = await createQueue({ db, tasks: [slow, flaky] });
    await queue.install();
    const dead = await queue.enqueue(flaky, {}, { key: 'export-2024-06' });
    const later = await queue.enqueue(slow, { steps: 2 }, { key: 'nightly-resync', runAt: new Date(Date.now() + 3_600_000) });
    worker = await runWorker({ db, tasks: [slow, flaky], concurrency: 2, progressIntervalMs: 100, pollIntervalMs: 100, logger: silentLogger });
    const s = await queue.enqueue(slow, { steps: 60 }, { key: 'sync-warehouse-AMS' });
    for (let i = 0; i < 4; i++) await queue.enqueue(slow, { steps: 1 }, { key: `sync-small-${i}` });
    ids = { slow: s.id, dead: dead.id, later: later.id };
    dashboard = await openDashboard({ config: loadConfig({ cwd: dir, env: {} }), port: 0 });
    browser = await launchBrowser();
    page = await browser.context.newPage();
    // Any request to another host would be a bug: the page ships every asset itself.
    page.on('request', (request) => {
      if (!request.url().startsWith(dashboard.url.replace(/\/$/, ''))) throw new Error(`external request: ${request.url()}`);
    });
  });

  after(async () => {
    await browser?.close();
    await dashboard?.close();
    await worker?.stop();
    await queue?.close();
    await db?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('lists jobs, and a running job\'s progress bar advances without a reload', async () => {
    await page.goto(dashboard.url);
    await page.evaluate(() => ((window as unknown as { loadMarker: number }).loadMarker = 1));
    const bar = page.locator(`#running tr[data-job-id="${ids.slow}"] [role=progressbar]`);
    await bar.waitFor({ timeout: 10_000 });
    const first = Number(await bar.getAttribute('aria-valuenow'));
    await page.waitForFunction(
      ([selector, before]) => Number(document.querySelector(selector as string)?.getAttribute('aria-valuenow')) > (before as number),
      [`#running tr[data-job-id="${ids.slow}"] [role=progressbar]`, first],
      { timeout: 10_000 },
    );
    assert.equal(await page.evaluate(() => (window as unknown as { loadMarker?: number }).loadMarker), 1, 'the page was reloaded');
    await page.locator(`#attention tr[data-job-id="${ids.dead}"]`).waitFor();
    await page.screenshot({ path: join(SHOTS, 'overview.png'), fullPage: true });

    await page.goto(`${dashboard.url}#/jobs`);
    await page.locator('#jobs tr[data-job-id]').first().waitFor();
    await page.waitForFunction(() => document.querySelectorAll('#jobs tr[data-job-id]').length >= 7);
    const listed = await page.locator('#jobs tr[data-job-id]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-job-id')));
    for (const id of Object.values(ids)) assert.ok(listed.includes(String(id)), `job ${id} not listed: ${listed}`);
    await page.screenshot({ path: join(SHOTS, 'jobs.png'), fullPage: true });

    // Filter by state, then search by key.
    await page.locator('#state-chips [data-state=dead]').click();
    await page.waitForFunction(() => [...document.querySelectorAll('#jobs tr[data-job-id]')].length === 1);
    await page.locator('#state-chips [data-state=dead]').click();
    await page.locator('#f-search').fill('nightly');
    await page.waitForFunction((id) => {
      const rows = [...document.querySelectorAll('#jobs tr[data-job-id]')];
      return rows.length === 1 && rows[0].getAttribute('data-job-id') === String(id);
    }, ids.later);
  });

  test('job detail shows payload, attempts, error and timeline', async () => {
    await page.goto(`${dashboard.url}#/jobs`);
    await page.locator(`#jobs tr[data-job-id="${ids.dead}"]`).click();
    const drawer = page.locator('#detail');
    await drawer.getByText('export endpoint rejected the file').first().waitFor();
    const text = await drawer.innerText();
    assert.match(text, /flaky-export/);
    assert.match(text, /payload/i);
    assert.match(text, /attempts/i);
    assert.match(text, /timeline[\s\S]*created[\s\S]*started[\s\S]*dead/i);
    await page.screenshot({ path: join(SHOTS, 'job-detail.png') });
  });

  test('Retry on a dead job re-queues it, Cancel cancels a queued one', async () => {
    failFlaky = false;
    await page.goto(dashboard.url);
    await page.locator(`#attention button[data-action=retry][data-id="${ids.dead}"]`).click();
    await waitFor(async () => (await queue.store.getJob(ids.dead))?.state === 'succeeded', 'the retried job to succeed');
    const events = await queue.store.jobEvents(ids.dead);
    assert.ok(events.some((e) => e.kind === 'retried'), JSON.stringify(events));

    await page.goto(`${dashboard.url}#/jobs?state=scheduled`);
    await page.locator(`#jobs button[data-action=cancel][data-id="${ids.later}"]`).click();
    await waitFor(async () => (await queue.store.getJob(ids.later))?.state === 'cancelled', 'the job to be cancelled');
    await page.locator(`#jobs tr[data-job-id="${ids.later}"]`).waitFor({ state: 'detached' });
  });

  test('the drift report appears after the database is altered', async () => {
    await page.goto(`${dashboard.url}#/schema`);
    await page.getByText('In sync with').waitFor();
    await db.exec('alter table items add column legacy_note text');
    const group = page.locator('.drift-table[data-table="items"]');
    await group.waitFor({ timeout: 10_000 });
    assert.match(await group.innerText(), /column\.extra[\s\S]*legacy_note/);
    await page.screenshot({ path: join(SHOTS, 'schema-drift.png') });
    await db.exec('alter table items drop column legacy_note');
  });

  test('workers view shows heartbeat age', async () => {
    await page.goto(`${dashboard.url}#/workers`);
    const row = page.locator('#workers tr').first();
    await row.waitFor();
    assert.match(await row.innerText(), /live[\s\S]*\d+s ago/);
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
