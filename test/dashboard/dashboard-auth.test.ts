import BetterSqlite3 from 'better-sqlite3';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { loadConfig } from '../../src/core/config.js';
import { openDashboard } from '../../src/dashboard/open-dashboard.js';
import type { RunningDashboard } from '../../src/dashboard/dashboard-server.js';
import { createQueue, type Queue } from '../../src/jobs/queue.js';
import { launchBrowser } from './browser.js';

const TOKEN = 's3cret-token';

describe('dashboard access control', () => {
  let dir: string;
  let queue: Queue;
  let open: RunningDashboard;
  let readOnly: RunningDashboard;
  let jobId: number;
  let origin: string;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'lockstep-dash-auth-'));
    const url = `sqlite:${join(dir, 'app.db')}`;
    writeFileSync(join(dir, 'lockstep.config.json'), JSON.stringify({ url }));
    queue = await createQueue({ url });
    await queue.install();
    jobId = (await queue.enqueue('report', {}, { runAt: new Date(Date.now() + 3_600_000) })).id;
    const config = loadConfig({ cwd: dir, env: {} });
    open = await openDashboard({ config, port: 0, token: TOKEN });
    readOnly = await openDashboard({ config, port: 0, readOnly: true });
    origin = new URL(open.url).origin;
  });

  after(async () => {
    await open?.close();
    await readOnly?.close();
    await queue?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('with a token configured, requests without it are refused', async () => {
    assert.equal((await fetch(`${origin}/api/overview`)).status, 401);
    assert.equal((await fetch(`${origin}/metrics`)).status, 401);
    assert.equal((await fetch(`${origin}/api/overview`, { headers: { authorization: 'Bearer wrong' } })).status, 401);
    assert.equal((await fetch(`${origin}/api/overview`, { headers: { authorization: `Bearer ${TOKEN}` } })).status, 200);
    assert.equal((await fetch(`${origin}/livez`)).status, 200, 'liveness needs no token');
  });

  test('in a browser: refused without the token, logged in by the printed URL', async () => {
    const browser = await launchBrowser();
    try {
      const page = await browser.context.newPage();
      const denied = await page.goto(`${origin}/`);
      assert.equal(denied?.status(), 401);
      assert.match(await page.innerText('body'), /requires a token/);
      await page.goto(open.url); // ?token=… is traded for an HttpOnly cookie
      assert.equal(new URL(page.url()).search, '', 'the token stays out of the address bar');
      await page.locator('#health .probe').first().waitFor();
      assert.match(await page.innerText('#status'), /healthy|degraded|failing/);
    } finally {
      await browser.close();
    }
  });

  test('mutations need the CSRF header and a same-origin Origin', async () => {
    const auth = { authorization: `Bearer ${TOKEN}` };
    let res = await fetch(`${origin}/api/jobs/${jobId}/cancel`, { method: 'POST', headers: auth });
    assert.equal(res.status, 403);
    assert.match((await res.json()).error, /x-lockstep-request/);
    res = await fetch(`${origin}/api/jobs/${jobId}/cancel`, { method: 'POST', headers: { ...auth, 'x-lockstep-request': '1', origin: 'https://evil.example' } });
    assert.equal(res.status, 403);
    assert.equal((await queue.store.getJob(jobId))?.state, 'scheduled');
    res = await fetch(`${origin}/api/jobs/${jobId}/cancel`, { method: 'POST', headers: { ...auth, 'x-lockstep-request': '1', origin } });
    assert.equal(res.status, 200);
    assert.equal((await queue.store.getJob(jobId))?.state, 'cancelled');
    res = await fetch(`${origin}/api/jobs/${jobId}/cancel`, { method: 'POST', headers: { ...auth, 'x-lockstep-request': '1' } });
    assert.equal(res.status, 400);
    assert.match((await res.json()).error, /cannot be cancelled: it is cancelled/);
  });

  test('--read-only refuses mutations and hides the buttons', async () => {
    const ro = new URL(readOnly.url).origin;
    const res = await fetch(`${ro}/api/jobs/${jobId}/retry`, { method: 'POST', headers: { 'x-lockstep-request': '1' } });
    assert.equal(res.status, 403);
    assert.match((await res.json()).error, /read-only/);
    assert.equal((await queue.store.getJob(jobId))?.state, 'cancelled');
    const overview = await (await fetch(`${ro}/api/overview`)).json();
    assert.equal(overview.readOnly, true);
  });

  test('a loopback dashboard refuses a foreign Host header (DNS rebinding)', async () => {
    const ro = new URL(readOnly.url);
    const res = await new Promise<number>((resolve, reject) => {
      import('node:http').then(({ request }) => {
        const req = request({ host: '127.0.0.1', port: ro.port, path: '/api/overview', headers: { host: 'attacker.example' } }, (r) => {
          r.resume();
          resolve(r.statusCode ?? 0);
        });
        req.on('error', reject);
        req.end();
      });
    });
    assert.equal(res, 403);
  });

  test('binding to a non-loopback address without a token is refused', async () => {
    await assert.rejects(openDashboard({ config: loadConfig({ cwd: dir, env: {} }), host: '0.0.0.0', port: 0 }), /refuses to listen on 0\.0\.0\.0 without a token/);
  });
});

test('a database without the jobs tables still gets a working dashboard', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lockstep-dash-empty-'));
  writeFileSync(join(dir, 'lockstep.config.json'), JSON.stringify({ url: `sqlite:${join(dir, 'empty.db')}` }));
  new BetterSqlite3(join(dir, 'empty.db')).close(); // an empty database (the dashboard creates none)
  const dashboard = await openDashboard({ config: loadConfig({ cwd: dir, env: {} }), port: 0 });
  try {
    const origin = new URL(dashboard.url).origin;
    const jobs = await fetch(`${origin}/api/jobs`);
    assert.equal(jobs.status, 200);
    assert.deepEqual(await jobs.json(), { jobs: [], tasks: [], total: 0, totalCapped: false, offset: 0, limit: 50 });
    assert.deepEqual(await (await fetch(`${origin}/api/queues`)).json(), { queues: [] });
    const crossSite = await fetch(`${origin}/api/jobs/bulk`, { method: 'POST', body: JSON.stringify({ action: 'delete', filter: {} }) });
    assert.equal(crossSite.status, 403, 'bulk actions need the same-origin header like every mutation');
    const pause = await fetch(`${origin}/api/queues/default/pause`, { method: 'POST', headers: { 'x-lockstep-request': '1' } });
    assert.equal(pause.status, 400);
    assert.match((await pause.json()).error, /jobs tables are not installed/);
    const overview = await (await fetch(`${origin}/api/overview`)).json();
    assert.equal(overview.facts.jobs.installed, false);
    const retry = await fetch(`${origin}/api/jobs/1/retry`, { method: 'POST', headers: { 'x-lockstep-request': '1' } });
    assert.equal(retry.status, 400);
    assert.match((await retry.json()).error, /jobs tables are not installed/);
  } finally {
    await dashboard.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
