// Results, logs, states, durable steps and waiting (issue 12), in-process, on PostgreSQL and SQLite.
// The crash cases (SIGKILL during a step, a 10,000-item resume) are in worker-processes.ts.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { z } from 'zod';
import type { Database } from '../../src/dialects/database.js';
import { createQueue, jobJson, MAX_LOG_LINES, runWorker, silentLogger, task, type Worker } from '../../src/jobs/index.js';
import { DIALECTS } from '../helpers/databases.js';
import { createJobsTestDb, type JobsTestDb, waitFor } from './helpers.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

for (const dialect of DIALECTS) {
  describe(`durable jobs (${dialect})`, () => {
    const withDb = async (fn: (d: JobsTestDb, start: (tasks: Parameters<typeof runWorker>[0]['tasks'], concurrency?: number) => Promise<Worker>) => Promise<void>) => {
      const d = await createJobsTestDb(dialect);
      const workers: Worker[] = [];
      try {
        await fn(d, async (tasks, concurrency = 10) => {
          const w = await runWorker({ url: d.t.url, tasks, concurrency, pollIntervalMs: 30, logger: silentLogger });
          workers.push(w);
          return w;
        });
      } finally {
        for (const w of workers) await w.stop();
        await d.dispose();
      }
    };

    test('a handler result is stored and returned by waitFor; ctx.log lines are kept per attempt, bounded', async () => {
      await withDb(async (d, start) => {
        const double = task('double', {
          payload: z.object({ n: z.number() }),
          run: ({ n }, ctx) => {
            ctx.log('doubling', { n });
            ctx.log.warn('careful');
            return { doubled: n * 2 };
          },
        });
        const chatty = task('chatty', { run: (_p, ctx) => void Array.from({ length: MAX_LOG_LINES + 50 }, (_, i) => ctx.log(`line ${i}`)) });
        const huge = task('huge', { run: () => 'x'.repeat(1_100_000) });
        await start([double, chatty, huge]);
        const { id } = await d.queue.enqueue(double, { n: 21 });
        const done = await d.queue.waitFor(id, { timeoutMs: 10_000 });
        assert.equal(done.state, 'succeeded');
        assert.deepEqual(done.result, { doubled: 42 });
        assert.deepEqual(done.logs.map((l) => [l.attempt, l.level, l.message]), [[1, 'info', 'doubling {"n":21}'], [1, 'warn', 'careful']]);
        const json = jobJson(done);
        assert.deepEqual(json.result, { doubled: 42 });
        assert.equal(json.logs?.length, 2);

        const many = await d.queue.waitFor((await d.queue.enqueue(chatty)).id, { timeoutMs: 10_000 });
        assert.equal(many.logs.length, MAX_LOG_LINES + 1, 'the first lines and one notice');
        assert.match(many.logs.at(-1)!.message, /more than 200 lines/);

        const big = await d.queue.waitFor((await d.queue.enqueue(huge)).id, { timeoutMs: 10_000 });
        assert.equal(big.state, 'dead', 'a result over the limit fails the job at once');
        assert.match(big.lastError!, /is 1\.0 MB as JSON; results are limited to 1 MB/);
        assert.equal(big.result, null);
      });
    });

    test('ctx members work destructured (job, progress, log, step), and ctx.signal is the same signal on every read', async () => {
      await withDb(async (d, start) => {
        const signals: boolean[] = [];
        const parts = task('parts', {
          run: async (_p: unknown, ctx) => {
            const { job, progress, log, step } = ctx;
            signals.push(ctx.signal === ctx.signal, ctx.signal.aborted);
            progress(3, 4);
            log('destructured');
            const n = await step('n', () => job.attempt + 41);
            return { id: job.id, task: job.task, queue: job.queue, n };
          },
        });
        await start([parts]);
        const { id } = await d.queue.enqueue(parts);
        const done = await d.queue.waitFor(id, { timeoutMs: 10_000 });
        assert.equal(done.state, 'succeeded');
        assert.deepEqual(done.result, { id, task: 'parts', queue: 'default', n: 42 });
        assert.deepEqual(done.progress && [done.progress.done, done.progress.total, done.progress.percent], [3, 4, 75]);
        assert.deepEqual(done.logs.map((l) => l.message), ['destructured']);
        assert.deepEqual(done.steps.map((s) => [s.name, s.result]), [['n', 42]]);
        assert.deepEqual(signals, [true, false]);
      });
    });

    test(dialect === 'postgres' ? 'waitFor is woken by NOTIFY: it reads the job once before and once after, no polling' : 'waitFor re-reads the job every 250 ms (other processes cannot wake it on SQLite)', async () => {
      await withDb(async (d, start) => {
        const slow = task('slow', { run: () => new Promise((r) => setTimeout(() => r('late'), 1500)) });
        await start([slow]);
        // The real database, with its reads of the jobs table counted.
        let reads = 0;
        const counted: Database = Object.assign(Object.create(d.db) as Database, {
          query: (sql: string, params?: unknown[]) => {
            if (/from lockstep[._]jobs where id = \$1/.test(sql)) reads++;
            return d.db.query(sql, params);
          },
        });
        const queue = await createQueue({ db: counted });
        try {
          const { id } = await queue.enqueue(slow);
          const job = await queue.waitFor(id, { timeoutMs: 10_000 });
          assert.equal(job.result, 'late');
          if (dialect === 'postgres') assert.ok(reads <= 3, `${reads} reads of the job while waiting 1.5 s`);
          else assert.ok(reads >= 4, `${reads} reads: SQLite polls`);
        } finally {
          await queue.close();
        }
      });
    });

    test('waitFor rejects when the job does not finish in time, and for a job that does not exist', async () => {
      await withDb(async (d) => {
        const { id } = await d.queue.enqueue('nobody-runs-this');
        const t0 = Date.now();
        await assert.rejects(d.queue.waitFor(id, { timeoutMs: 300 }), new RegExp(`job ${id} did not finish within 300 ms \\(it is queued\\)`));
        assert.ok(Date.now() - t0 < 2000);
        await assert.rejects(d.queue.waitFor(999_999, { timeoutMs: 300 }), /job 999999 does not exist/);
      });
    });

    test('states: scheduled, retrying and waiting are shown, listed and counted', async () => {
      await withDb(async (d, start) => {
        const flaky = task('flaky', { maxAttempts: 3, backoff: { baseMs: 60_000, jitter: 0 }, run: () => Promise.reject(new Error('not yet')) });
        const napper = task('napper', { run: (_p, ctx) => ctx.sleep('nap', 60_000) });
        await start([flaky, napper]);
        const later = await d.queue.enqueue('flaky', null, { runAt: new Date(Date.now() + 3_600_000) });
        const failing = await d.queue.enqueue(flaky);
        const sleeping = await d.queue.enqueue(napper);
        await waitFor('retrying and waiting', async () => (await d.queue.getJob(failing.id))?.state === 'retrying' && (await d.queue.getJob(sleeping.id))?.state === 'waiting');
        assert.equal((await d.queue.getJob(later.id))!.state, 'scheduled');
        assert.deepEqual((await d.queue.listJobs({ state: 'scheduled' })).map((j) => j.id), [later.id]);
        assert.deepEqual((await d.queue.listJobs({ state: ['retrying', 'waiting'] })).map((j) => j.id), [sleeping.id, failing.id]);
        assert.deepEqual((await d.queue.listJobs({ state: 'queued' })).map((j) => j.id), []);
        const counts = Object.fromEntries((await d.queue.stats()).counts.map((c) => [c.state, c.count]));
        assert.deepEqual(counts, { retrying: 1, scheduled: 1, waiting: 1 });
        const waiting = (await d.queue.getJob(sleeping.id))!;
        assert.equal(waiting.attempt, 0, 'waiting does not count as an attempt');
        assert.deepEqual(waiting.steps.map((s) => [s.name, s.status, s.wait?.kind]), [['nap', 'waiting', 'sleep']]);
        // A hand retry of a waiting job runs it now; its sleep is not over, so it waits again.
        await d.queue.retryJob(sleeping.id);
        await sleep(300);
        assert.equal((await d.queue.getJob(sleeping.id))!.state, 'waiting');
      });
    });

    test('steps: a retry replays recorded steps without calling their fn', async () => {
      await withDb(async (d, start) => {
        const calls = new Map<string, number>();
        const count = (name: string) => calls.set(name, (calls.get(name) ?? 0) + 1);
        const stepped = task('stepped', {
          maxAttempts: 3,
          backoff: { baseMs: 10, jitter: 0 },
          async run(_p, ctx) {
            const a = await ctx.step('a', () => (count('a'), { at: 1 }));
            const b = await ctx.step('b', async () => (count('b'), [a.at, 2]));
            if (ctx.job.attempt === 1) throw new Error('flaky after b');
            const c = await ctx.step('c', () => (count('c'), b.length));
            return { a, b, c };
          },
        });
        const dupe = task('dupe', {
          async run(_p, ctx) {
            await ctx.step('x', () => 1);
            await ctx.step('x', () => 2);
          },
        });
        await start([stepped, dupe]);
        const done = await d.queue.waitFor((await d.queue.enqueue(stepped)).id, { timeoutMs: 10_000 });
        assert.equal(done.state, 'succeeded', done.lastError ?? '');
        assert.equal(done.attempt, 2);
        assert.deepEqual(done.result, { a: { at: 1 }, b: [1, 2], c: 2 });
        assert.deepEqual(Object.fromEntries(calls), { a: 1, b: 1, c: 1 });
        assert.deepEqual(done.steps.map((s) => [s.name, s.attempt]), [['a', 1], ['b', 1], ['c', 2]]);
        assert.deepEqual(jobJson(done).steps?.map((s) => s.name), ['a', 'b', 'c']);

        const twice = await d.queue.waitFor((await d.queue.enqueue(dupe)).id, { timeoutMs: 10_000 });
        assert.match(twice.lastError!, /the step name "x" is used twice in one run/);
      });
    });

    test('a job sleeping 2 s holds no slot: a second job runs meanwhile on a 1-slot worker', async () => {
      await withDb(async (d, start) => {
        const napper = task('napper', {
          async run(_p, ctx) {
            const before = await ctx.step('before', () => Date.now());
            await ctx.sleep('nap', 2000);
            return { slept: Date.now() - before };
          },
        });
        const quick = task('quick', { run: () => 'done' });
        await start([napper, quick], 1);
        const nap = await d.queue.enqueue(napper);
        await waitFor('napping', async () => (await d.queue.getJob(nap.id))?.state === 'waiting');
        const other = await d.queue.waitFor((await d.queue.enqueue(quick)).id, { timeoutMs: 1500 });
        assert.equal(other.state, 'succeeded');
        const asleep = (await d.queue.getJob(nap.id))!;
        assert.equal(asleep.state, 'waiting', 'still asleep when the other job finished');
        assert.match(asleep.events.at(-1)!.message!, /^step "nap" sleeps until \d{4}-/);
        assert.deepEqual(asleep.timeline.map((e) => [e.kind, e.attempt]).slice(1), [['started', 1], ['waiting', 1]]);
        const woke = await d.queue.waitFor(nap.id, { timeoutMs: 10_000 });
        assert.equal(woke.state, 'succeeded');
        assert.ok((woke.result as { slept: number }).slept >= 2000, `slept ${(woke.result as { slept: number }).slept} ms`);
      });
    });

    test('waitForEvent resumes on a matching sendEvent (also inside a transaction) and times out when none comes', async () => {
      await withDb(async (d, start) => {
        const paid = task('await-payment', {
          payload: z.object({ orderId: z.number(), timeoutMs: z.number().optional() }),
          run: ({ orderId, timeoutMs }, ctx) => ctx.waitForEvent('paid', { event: 'order.paid', match: { orderId }, timeoutMs }),
        });
        await start([paid]);
        const seven = await d.queue.enqueue(paid, { orderId: 7 });
        const eight = await d.queue.enqueue(paid, { orderId: 8 });
        await waitFor('both waiting', async () => (await d.queue.listJobs({ state: 'waiting' })).length === 2);
        assert.equal(await d.queue.sendEvent('order.paid', { orderId: 9 }), 0, 'no job waits for order 9');
        assert.equal(await d.queue.sendEvent('order.paid', { orderId: 7, total: 12 }), 1);
        const done = await d.queue.waitFor(seven.id, { timeoutMs: 10_000 });
        assert.deepEqual(done.result, { orderId: 7, total: 12 });
        assert.equal((await d.queue.getJob(eight.id))!.state, 'waiting');
        await d.db.transaction(async (tx) => {
          assert.equal(await d.queue.sendEvent('order.paid', { orderId: 8 }, { tx }), 1);
        });
        assert.deepEqual((await d.queue.waitFor(eight.id, { timeoutMs: 10_000 })).result, { orderId: 8 });

        const lonely = await d.queue.enqueue(paid, { orderId: 1, timeoutMs: 500 });
        const t0 = Date.now();
        const timedOut = await d.queue.waitFor(lonely.id, { timeoutMs: 10_000 });
        assert.equal(timedOut.state, 'succeeded');
        assert.equal(timedOut.result, null, 'a timed-out wait returns null');
        assert.ok(Date.now() - t0 >= 450);
        assert.equal(await d.queue.sendEvent('order.paid', { orderId: 1 }), 0, 'a late event wakes nothing');
      });
    });

    test('a parent with 50 children receives all 50 results; cancelling a parent cancels its waiting children', async () => {
      await withDb(async (d, start) => {
        const square = task('square', { payload: z.object({ n: z.number() }), run: ({ n }) => n * n });
        const parent = task('parent', {
          async run(_p, ctx) {
            const squares = await ctx.spawnAll<number>('squares', Array.from({ length: 50 }, (_, n) => ({ task: square, payload: { n } })));
            const one = await ctx.spawn<number>('one', square, { n: 100 });
            return { sum: squares.reduce((s, v) => s + v, 0), count: squares.length, one };
          },
        });
        const stuck = task('stuck-parent', { run: (_p, ctx) => ctx.spawn('never', 'runs-nowhere', null, { queue: 'elsewhere' }) });
        await start([square, parent, stuck]);
        const done = await d.queue.waitFor((await d.queue.enqueue(parent)).id, { timeoutMs: 30_000 });
        assert.equal(done.state, 'succeeded', done.lastError ?? '');
        assert.deepEqual(done.result, { sum: Array.from({ length: 50 }, (_, n) => n * n).reduce((s, v) => s + v, 0), count: 50, one: 10_000 });
        assert.equal(done.children.length, 51);
        assert.ok(done.children.every((c) => c.parentId === done.id && c.state === 'succeeded'));

        const p = await d.queue.enqueue(stuck);
        await waitFor('parent waiting', async () => (await d.queue.getJob(p.id))?.state === 'waiting');
        const [child] = (await d.queue.getJob(p.id))!.children;
        assert.equal(child!.state, 'queued');
        await d.queue.cancelJob(p.id);
        assert.equal((await d.queue.getJob(child!.id))!.state, 'cancelled');
      });
    });

    test('a dead child fails its parent step; the parent retries by its own policy', async () => {
      await withDb(async (d, start) => {
        let runs = 0;
        const picky = task('picky', { maxAttempts: 1, run: () => (++runs === 1 ? Promise.reject(new Error('first child run fails')) : 'ok') });
        const parent = task('parent-of-picky', { maxAttempts: 2, backoff: { baseMs: 10, jitter: 0 }, run: (_p, ctx) => ctx.spawn('child', picky, null) });
        await start([picky, parent]);
        const done = await d.queue.waitFor((await d.queue.enqueue(parent)).id, { timeoutMs: 15_000 });
        assert.equal(done.state, 'succeeded', done.lastError ?? '');
        assert.equal(done.result, 'ok');
        assert.equal(done.attempt, 2);
        assert.ok(done.events.some((e) => e.kind === 'failed' && /child job \d+ \(picky\) ended dead: first child run fails/.test(e.message ?? '')));
      });
    });
  });
}
