import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { connect } from '../../src/dialects/index.js';
import { createPgDatabase, dropPgDatabase } from '../helpers/databases.js';
import { runCli } from '../helpers/cli.js';

/** Runs `lockstep demo --exit-when-done` as a user would and checks the database it leaves. */
async function runDemo(extra: string[]): Promise<{ stdout: string; url: string; cwd: string }> {
  const cwd = mkdtempSync(join(tmpdir(), 'lockstep-demo-'));
  const result = await runCli(['demo', '--exit-when-done', '--port', '0', '--pace', '5', ...extra], { cwd, timeoutMs: 110_000 });
  assert.equal(result.code, 0, `demo failed:\n${result.stdout}\n${result.stderr}`);
  const url = extra[0] === '--url' ? extra[1] : `sqlite:${join(cwd, '.lockstep', 'demo', 'inventory.db')}`;
  return { stdout: result.stdout, url, cwd };
}

async function assertFinalState(url: string, stdout: string): Promise<void> {
  assert.match(stdout, /12 jobs: 11 batches/);
  assert.match(stdout, /result: 11 succeeded, 1 dead; 2 succeeded after a retry; 10,946 of 10,946 items synced/);
  assert.match(stdout, /http:\/\/127\.0\.0\.1:\d+\//, 'prints the dashboard URL');
  assert.match(stdout, /code-reference.*inventory_items\.bin_location/, 'lint output');
  assert.match(stdout, /inventory-tasks\.ts:\d+:\d+/, 'lint names the code that reads the column');
  assert.match(stdout, /legacy_flag.*\[column\.extra\]/, 'check output');
  assert.match(stdout, /killed with SIGKILL after \d+ of 44 chunks/, 'a worker is killed half-way through the recount');
  assert.match(stdout, /succeeded on attempt 2: resumed at chunk \d+ of 44; the \d+ chunks recorded before the kill did not run again, [01] in flight at the kill ran twice/);
  assert.match(stdout, /\[index\.missing\]/);
  const db = await connect(url);
  try {
    const table = db.dialect === 'postgres' ? 'lockstep.jobs' : 'lockstep_jobs';
    const { rows } = await db.query<{ state: string; n: number | string }>(`select state, count(*) as n from ${table} group by state order by state`);
    assert.deepEqual(rows.map((r) => [r.state, Number(r.n)]), [['dead', 1], ['succeeded', 12]]);
    // The recount: every chunk ran, none more than twice, and the ones the killed worker
    // recorded ran only there (resumed, not restarted).
    const recount = await db.query<{ chunk_no: number | string; runs: number | string }>('select chunk_no, count(*) as runs from inventory_recount_log group by chunk_no order by chunk_no');
    assert.equal(recount.rows.length, 44);
    assert.ok(recount.rows.filter((r) => Number(r.runs) > 1).length <= 1, JSON.stringify(recount.rows));
    const pids = await db.query<{ n: number | string }>('select count(distinct worker_pid) as n from inventory_recount_log');
    assert.ok(Number(pids.rows[0].n) >= 2, 'the recount ran on two worker processes');
    const log = await db.query<{ n: number | string; total: number | string }>('select count(*) as n, sum(items) as total from inventory_sync_log');
    assert.deepEqual([Number(log.rows[0].n), Number(log.rows[0].total)], [11, 10_946]);
    const workers = await db.query<{ n: number | string }>(`select count(*) as n from ${db.dialect === 'postgres' ? 'lockstep.workers' : 'lockstep_workers'}`);
    assert.equal(Number(workers.rows[0].n), 1, 'the workers stopped gracefully unregistered; only the SIGKILLed one is left (pruned after a day)');
  } finally {
    await db.close();
  }
}

test('lockstep demo --exit-when-done on SQLite (the default)', async () => {
  const { stdout, url, cwd } = await runDemo([]);
  try {
    await assertFinalState(url, stdout);
  } finally {
    rmSync(cwd, { recursive: true, force: true });
  }
});

test('lockstep demo --exit-when-done --url on PostgreSQL', async () => {
  const pgUrl = await createPgDatabase('lockstep_demo');
  try {
    const { stdout, cwd } = await runDemo(['--url', pgUrl]);
    await assertFinalState(pgUrl, stdout);
    rmSync(cwd, { recursive: true, force: true });
  } finally {
    await dropPgDatabase(pgUrl);
  }
});
