// The worker-process suite, run once per dialect by worker-processes.<dialect>.test.ts
// (two files so the runner can run the dialects side by side).
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import type { DialectName } from '../../src/core/model.js';
import { count, createJobsTestDb, eventsTable, jobsTable, type JobsTestDb, startWorkerProcess, stopAll, waitFor, type WorkerProcess } from './helpers.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function workerProcessSuite(dialect: DialectName): void {
  describe(`jobs worker processes (${dialect})`, () => {
    const workers: WorkerProcess[] = [];
    const dbs: JobsTestDb[] = [];
    const start = (url: string, env: Record<string, string> = {}) => {
      const w = startWorkerProcess(url, env);
      workers.push(w);
      return w;
    };
    const fresh = async () => {
      const d = await createJobsTestDb(dialect);
      dbs.push(d);
      return d;
    };
    after(async () => {
      await stopAll(workers);
      for (const d of dbs) await d.dispose();
    });

    test('kill -9 mid-job: with a 2 s lease another worker finishes the job within 5 s', async () => {
      const { t, queue, db } = await fresh();
      const a = start(t.url, { WORKER_LEASE_MS: '2000' });
      const aId = await a.ready;
      const { id } = await queue.enqueue('record', { ms: 60_000 });
      await waitFor('job running on worker A', async () => (await queue.getJob(id))?.workerId === aId);
      const b = start(t.url, { WORKER_LEASE_MS: '2000' });
      const bId = await b.ready;
      a.child.kill('SIGKILL');
      const killedAt = Date.now();
      await a.exited;
      const done = await waitFor('job succeeded', async () => {
        const job = await queue.getJob(id);
        return job?.state === 'succeeded' ? job : undefined;
      }, 10_000, 25);
      const elapsed = Date.now() - killedAt;
      assert.ok(elapsed < 5000, `finished ${elapsed} ms after the kill`);
      assert.equal(done.workerId, bId);
      assert.equal(done.attempt, 2);
      assert.ok(done.events.some((e) => e.kind === 'rescued'), 'the timeline shows the rescue');
      assert.equal(await count(db, 'select count(*) as n from completions where job_id = $1', [id]), 1);
      await stopAll([b]);
    });

    test('10,000 jobs while workers are killed and restarted 10 times: none lost, none finished twice', async () => {
      const { t, queue, db } = await fresh();
      // 20 ms per first attempt: the workers need longer than the ten kills take (about
      // 2.5 s), so every kill finds jobs in flight (they once finished first on SQLite).
      const ids = (await queue.enqueueMany(Array.from({ length: 10_000 }, () => ({ task: 'record', payload: { ms: 20 } })))).map((j) => j.id);
      assert.equal(new Set(ids).size, 10_000);
      const env = { WORKER_LEASE_MS: '2000', WORKER_CONCURRENCY: '20', WORKER_POLL_MS: '50' };
      const live: WorkerProcess[] = [start(t.url, env), start(t.url, env), start(t.url, env)];
      const all = [...live];
      await Promise.all(live.map((w) => w.ready));
      for (let i = 0; i < 10; i++) {
        await sleep(250);
        const victim = live.shift()!;
        victim.child.kill('SIGKILL');
        await victim.exited;
        const replacement = start(t.url, env);
        live.push(replacement);
        all.push(replacement);
      }
      await waitFor('all 10,000 jobs succeeded', async () => (await count(db, `select count(*) as n from ${jobsTable(dialect)} where state = 'succeeded'`)) === 10_000, 90_000, 200);
      assert.equal(await count(db, `select count(*) as n from ${jobsTable(dialect)} where state <> 'succeeded'`), 0);
      assert.equal(await count(db, 'select count(*) as n from completions'), 10_000);
      assert.equal(await count(db, `select count(*) as n from completions c join ${jobsTable(dialect)} j on j.id = c.job_id`), 10_000);
      // At-least-once: a job may run again only when its worker died after the handler's
      // write and before the completion was committed; such a job must show the rescue.
      const duplicates = all.flatMap((w) => [...w.stderr().matchAll(/duplicate execution of job (\d+)/g)].map((m) => Number(m[1])));
      for (const id of duplicates) {
        assert.ok((await count(db, `select count(*) as n from ${eventsTable(dialect)} where job_id = $1 and kind = 'rescued'`, [id])) >= 1, `job ${id} ran twice without a rescue`);
      }
      assert.ok((await count(db, `select count(*) as n from ${eventsTable(dialect)} where kind = 'rescued'`)) > 0, 'kills left jobs to rescue');
      await stopAll(live);
    });

    test('progress of a 10,000-item job is visible while it runs, exact at the end, with few writes', async () => {
      const { t, queue } = await fresh();
      const w = start(t.url);
      await w.ready;
      const { id } = await queue.enqueue('items', { n: 10_000, batch: 100, pauseMs: 25 });
      const seen: { done: number; percent: number | null; eta: number | null }[] = [];
      const job = await waitFor('items job finished', async () => {
        const j = await queue.getJob(id);
        if (j?.state === 'running' && j.progress) seen.push({ done: j.progress.done, percent: j.progress.percent, eta: j.progress.etaSeconds });
        return j?.state === 'succeeded' ? j : undefined;
      }, 30_000, 100);
      const midway = seen.filter((s) => s.done > 0 && s.done < 10_000);
      assert.ok(midway.length >= 2, `progress seen while running: ${JSON.stringify(seen)}`);
      assert.ok(midway.every((s) => s.percent === Math.round((s.done / 10_000) * 10000) / 100));
      assert.ok(midway.some((s) => s.eta !== null && s.eta > 0), 'an ETA while running');
      assert.deepEqual(job.progress, { done: 10_000, total: 10_000, percent: 100, etaSeconds: 0 });
      const ranMs = job.finishedAt!.getTime() - job.startedAt!.getTime();
      // At most one write per 500 ms interval while it ran (plus one in flight at the end).
      assert.ok(job.progressWrites >= 2 && job.progressWrites <= Math.ceil(ranMs / 500) + 1, `${job.progressWrites} writes in ${ranMs} ms`);
      await stopAll([w]);
    });

    test('three concurrent 10,000-item jobs finish without deadlock within the connection budget', async () => {
      const { t, queue, db } = await fresh();
      const w1 = start(t.url, { WORKER_CONCURRENCY: '50', WORKER_POOL: '2' });
      const w2 = start(t.url, { WORKER_CONCURRENCY: '50', WORKER_POOL: '2' });
      await Promise.all([w1.ready, w2.ready]);
      const big = await queue.enqueueMany([0, 1, 2].map(() => ({ task: 'items', payload: { n: 10_000, batch: 200, pauseMs: 20 } })));
      await queue.enqueueMany(Array.from({ length: 300 }, () => ({ task: 'record', payload: { ms: 20 } })));
      let maxSeen = 0;
      const dbName = dialect === 'postgres' ? decodeURIComponent(new URL(t.url).pathname.slice(1)) : '';
      await waitFor('all jobs succeeded', async () => {
        if (dialect === 'postgres') {
          const n = await count(db, "select count(*) as n from pg_stat_activity where datname = $1 and application_name = 'lockstep-worker'", [dbName]);
          maxSeen = Math.max(maxSeen, n);
        }
        return (await count(db, `select count(*) as n from ${jobsTable(dialect)} where state = 'succeeded'`)) === 303;
      }, 60_000, 50);
      for (const { id } of big) assert.deepEqual((await queue.getJob(id))!.progress, { done: 10_000, total: 10_000, percent: 100, etaSeconds: 0 });
      if (dialect === 'postgres') {
        // Documented budget: pool (2 here) + 1 listener per worker, whatever the concurrency (50).
        assert.ok(maxSeen > 0 && maxSeen <= 2 * 3, `saw ${maxSeen} worker connections`);
      }
      await stopAll([w1, w2]);
    });

    test('a concurrency limit of 2 per shop is never exceeded across 3 workers while they are killed and restarted', async () => {
      const { t, queue, db } = await fresh();
      await db.exec(
        dialect === 'postgres'
          ? 'create table flow_running (job_id bigint primary key, attempt integer not null, shop text not null); create table flow_max (shop text primary key, n integer not null)'
          : 'create table flow_running (job_id integer primary key, attempt integer not null, shop text not null); create table flow_max (shop text primary key, n integer not null)',
      );
      const limited = (await import('./fixtures/tasks.js')).limitedTask();
      const ids = (await queue.enqueueMany(Array.from({ length: 36 }, (_, i) => ({ task: limited, payload: { shop: ['A', 'B', 'C'][i % 3], ms: 250 + (i % 4) * 50 } })))).map((j) => j.id);
      const env = { TEST_FLOW: '1', WORKER_LEASE_MS: '1000', WORKER_CONCURRENCY: '5', WORKER_POLL_MS: '50' };
      const live: WorkerProcess[] = [start(t.url, env), start(t.url, env), start(t.url, env)];
      const workerIds = new Map<WorkerProcess, string>();
      await Promise.all(live.map(async (w) => workerIds.set(w, await w.ready)));
      for (let i = 0; i < 4; i++) {
        await sleep(400);
        // Kill a worker in the middle of a limited job, so its slot stays taken until the rescue.
        const busy = new Set((await db.query<{ worker_id: string }>(`select worker_id from ${jobsTable(dialect)} where state = 'running'`)).rows.map((r) => r.worker_id));
        const index = Math.max(0, live.findIndex((w) => busy.has(workerIds.get(w)!)));
        const [victim] = live.splice(index, 1) as [WorkerProcess];
        victim.child.kill('SIGKILL');
        await victim.exited;
        const replacement = start(t.url, env);
        live.push(replacement);
        workerIds.set(replacement, await replacement.ready);
      }
      await waitFor('all 36 limited jobs succeeded', async () => (await count(db, `select count(*) as n from ${jobsTable(dialect)} where state = 'succeeded'`)) === 36, 60_000, 100);
      assert.equal(await count(db, 'select count(*) as n from completions'), 36);
      const { rows } = await db.query<{ shop: string; n: number | string }>('select shop, n from flow_max order by shop');
      const max = Object.fromEntries(rows.map((r) => [r.shop, Number(r.n)]));
      assert.deepEqual(Object.keys(max), ['A', 'B', 'C']);
      for (const [shop, n] of Object.entries(max)) assert.ok(n <= 2, `shop ${shop}: ${n} ran at once`);
      assert.ok(Object.values(max).some((n) => n === 2), `the limit was reached (the test exercised it): ${JSON.stringify(max)}`);
      assert.ok((await count(db, `select count(*) as n from ${eventsTable(dialect)} where kind = 'rescued'`)) > 0, 'kills left jobs to rescue');
      assert.equal(ids.length, 36);
      await stopAll(live);
    });

    test('cron fires each tick exactly once with three workers running', async () => {
      const { t, db } = await fresh();
      const env = { TEST_CRON: '1' };
      const ws = [start(t.url, env), start(t.url, env), start(t.url, env)];
      await Promise.all(ws.map((w) => w.ready));
      await sleep(4500);
      for (const w of ws) w.child.kill('SIGTERM');
      await Promise.all(ws.map((w) => w.exited));
      const ticks = dialect === 'postgres' ? 'lockstep.cron_ticks' : 'lockstep_cron_ticks';
      const { rows } = await db.query<{ tick_at: unknown; job_id: unknown }>(`select tick_at, job_id from ${ticks} where task = 'tick' order by tick_at`);
      const times = rows.map((r) => new Date(r.tick_at as string | number | Date).getTime());
      assert.ok(times.length >= 3 && times.length <= 6, `${times.length} ticks in 4.5 s`);
      for (let i = 1; i < times.length; i++) assert.equal(times[i] - times[i - 1], 1000, 'one tick per second, none skipped');
      assert.equal(await count(db, `select count(*) as n from ${jobsTable(dialect)} where task = 'tick'`), times.length, 'one job per tick');
      assert.equal(new Set(rows.map((r) => String(r.job_id))).size, times.length);
    });

    test('SIGTERM: finishing jobs complete, the rest go back to queued without counting the attempt', async () => {
      const { t, queue } = await fresh();
      const w = start(t.url, { WORKER_SHUTDOWN_MS: '700' });
      await w.ready;
      const quick = await queue.enqueue('record', { ms: 300 });
      const slow = await queue.enqueue('record', { ms: 60_000 });
      await waitFor('both running', async () => (await queue.listJobs({ state: 'running' })).length === 2);
      const t0 = Date.now();
      w.child.kill('SIGTERM');
      assert.equal(await w.exited, 0);
      assert.ok(Date.now() - t0 < 3000, 'stopped soon after the shutdown timeout');
      assert.equal((await queue.getJob(quick.id))!.state, 'succeeded');
      const back = (await queue.getJob(slow.id))!;
      assert.equal(back.state, 'queued');
      assert.equal(back.attempt, 0, 'the interrupted attempt is not counted');
      assert.ok(back.events.some((e) => e.kind === 'released'));
      assert.equal((await queue.workers()).length, 0, 'the worker unregistered');
    });

    test('durable steps: a 3-step job SIGKILLed during step 3 runs steps 1 and 2 once in total and finishes', async () => {
      const { t, queue, db } = await fresh();
      await db.exec('create table step_runs (job_id bigint not null, step text not null, pid integer not null)');
      const a = start(t.url, { WORKER_LEASE_MS: '2000' });
      await a.ready;
      const { id } = await queue.enqueue('three-steps', null);
      await waitFor('step three running', async () => (await count(db, "select count(*) as n from step_runs where step = 'three'")) === 1);
      a.child.kill('SIGKILL');
      await a.exited;
      const b = start(t.url, { WORKER_LEASE_MS: '2000' });
      await b.ready;
      const done = await waitFor('job succeeded', async () => {
        const job = await queue.getJob(id);
        return job?.state === 'succeeded' ? job : undefined;
      }, 15_000, 25);
      const runs = async (step: string) => count(db, 'select count(*) as n from step_runs where job_id = $1 and step = $2', [id, step]);
      assert.equal(await runs('one'), 1, 'step one ran once in total');
      assert.equal(await runs('two'), 1, 'step two ran once in total');
      assert.equal(await runs('three'), 2, 'step three ran again after the kill');
      assert.equal(done.attempt, 2);
      assert.deepEqual(done.result, { a: 'a', b: 'ab', c: 'abc' });
      assert.deepEqual(done.steps.map((s) => [s.name, s.status, s.attempt]), [['one', 'done', 1], ['two', 'done', 1], ['three', 'done', 2]]);
      await stopAll([b]);
    });

    test('durable steps: a 10,000-item job killed mid-way resumes where it stopped; its progress never goes back', async () => {
      const { t, queue } = await fresh();
      const a = start(t.url, { WORKER_LEASE_MS: '2000' });
      await a.ready;
      const { id } = await queue.enqueue('many-items', { n: 10_000 });
      const seen: number[] = [];
      let watching = true;
      const watcher = (async () => {
        while (watching) {
          const p = (await queue.getJob(id))?.progress;
          if (p) seen.push(p.done);
          await sleep(20);
        }
      })();
      await waitFor('3,000 items done', async () => ((await queue.getJob(id))?.progress?.done ?? 0) >= 3000, 30_000, 20);
      a.child.kill('SIGKILL');
      await a.exited;
      const atKill = (await queue.getJob(id))!.progress!.done;
      assert.ok(atKill < 10_000, `killed mid-way (at ${atKill})`);
      const b = start(t.url, { WORKER_LEASE_MS: '2000' });
      await b.ready;
      const done = await queue.waitFor(id, { timeoutMs: 30_000 });
      watching = false;
      await watcher;
      assert.equal(done.state, 'succeeded', `${done.lastError}; ${JSON.stringify(done.events)}`);
      const result = done.result as { first: number; ran: number; sum: number; attempt: number };
      assert.equal(result.attempt, 2);
      assert.equal(result.sum, 10_000 * 9_999, 'every item result is there, replayed or run');
      assert.ok(result.first >= atKill, `the second attempt started at item ${result.first}, not before the ${atKill} shown done at the kill`);
      assert.equal(result.ran, 10_000 - result.first, 'it ran only the items not recorded');
      for (let i = 1; i < seen.length; i++) assert.ok(seen[i]! >= seen[i - 1]!, `progress went back from ${seen[i - 1]} to ${seen[i]}`);
      assert.equal(done.progress?.done, 10_000);
      assert.deepEqual(done.steps.length, 10_000);
      await stopAll([b]);
    });
  });
}
