import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import BetterSqlite3 from 'better-sqlite3';
import pg from 'pg';
import { z } from 'zod';
import { POSTGRES_JOBS_MIGRATIONS } from '../../src/jobs/plans/postgres.js';
import { SQLITE_JOBS_MIGRATIONS } from '../../src/jobs/plans/sqlite.js';
import { createQueue, JOBS_SCHEMA_VERSION, PermanentError, runWorker, SchemaGuardError, silentLogger, task } from '../../src/jobs/index.js';
import { connect } from '../../src/dialects/index.js';
import { DIALECTS } from '../helpers/databases.js';
import { count, createJobsTestDb, eventsTable, jobsTable, waitFor } from './helpers.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('each dialect carries jobs migrations up to exactly JOBS_SCHEMA_VERSION', () => {
  for (const migrations of [POSTGRES_JOBS_MIGRATIONS, SQLITE_JOBS_MIGRATIONS]) {
    assert.deepEqual(
      migrations.map((m) => m.version),
      Array.from({ length: JOBS_SCHEMA_VERSION }, (_, i) => i + 1),
    );
  }
});

for (const dialect of DIALECTS) {
  describe(`jobs queue (${dialect})`, () => {
    test('install is versioned and idempotent', async () => {
      const d = await createJobsTestDb(dialect);
      try {
        assert.equal(await d.queue.installedVersion(), JOBS_SCHEMA_VERSION);
        assert.deepEqual(await d.queue.install(), { from: JOBS_SCHEMA_VERSION, to: JOBS_SCHEMA_VERSION });
      } finally {
        await d.dispose();
      }
    });

    test('enqueue validates the payload, dedupes by key while queued or running, and takes options', async () => {
      const d = await createJobsTestDb(dialect);
      try {
        const send = task('send', { payload: z.object({ to: z.email() }), queue: 'mail', maxAttempts: 2, run: () => {} });
        await assert.rejects(d.queue.enqueue(send, { to: 'not an email' }), /invalid payload for task "send": to: Invalid email/);
        assert.equal(await count(d.db, `select count(*) as n from ${jobsTable(dialect)}`), 0, 'nothing written');

        const first = await d.queue.enqueue(send, { to: 'a@b.co' }, { key: 'welcome:1', priority: 3 });
        const again = await d.queue.enqueue(send, { to: 'a@b.co' }, { key: 'welcome:1' });
        assert.deepEqual(again, { id: first.id, created: false });
        const job = (await d.queue.getJob(first.id))!;
        assert.equal(job.queue, 'mail');
        assert.equal(job.maxAttempts, 2);
        assert.equal(job.priority, 3);
        assert.equal(job.state, 'queued');

        await d.queue.cancelJob(first.id);
        const after = await d.queue.enqueue(send, { to: 'a@b.co' }, { key: 'welcome:1' });
        assert.equal(after.created, true, 'a finished job frees its key');
        assert.notEqual(after.id, first.id);

        const batch = await d.queue.enqueueMany([
          { task: send, payload: { to: 'x@y.co' }, options: { key: 'k2' } },
          { task: send, payload: { to: 'x@y.co' }, options: { key: 'k2' } },
          { task: 'other', payload: [1, 2], options: { runAt: '2030-01-01T00:00:00Z' } },
        ]);
        assert.equal(batch[0].created, true);
        assert.deepEqual(batch[1], { id: batch[0].id, created: false });
        assert.equal((await d.queue.getJob(batch[2].id))!.runAt.toISOString(), '2030-01-01T00:00:00.000Z');
      } finally {
        await d.dispose();
      }
    });

    test("enqueue inside the caller's transaction commits and rolls back with it", async () => {
      const d = await createJobsTestDb(dialect);
      try {
        const jobs = async () => count(d.db, `select count(*) as n from ${jobsTable(dialect)}`);
        if (dialect === 'postgres') {
          const client = new pg.Client({ connectionString: d.t.url });
          await client.connect();
          try {
            await client.query('begin');
            await d.queue.enqueue('a', {}, { tx: client });
            await client.query('rollback');
            assert.equal(await jobs(), 0);
            await client.query('begin');
            await client.query('insert into completions (job_id, pid) values (999, 1)');
            await d.queue.enqueue('a', {}, { tx: client });
            await client.query('commit');
            assert.equal(await jobs(), 1);
          } finally {
            await client.end();
          }
        } else {
          const raw = new BetterSqlite3(d.t.url.slice('sqlite:'.length));
          try {
            raw.exec('begin immediate');
            await d.queue.enqueue('a', {}, { tx: raw });
            raw.exec('rollback');
            assert.equal(await jobs(), 0);
            raw.exec('begin immediate');
            await d.queue.enqueue('a', {}, { tx: raw });
            raw.exec('commit');
            assert.equal(await jobs(), 1);
          } finally {
            raw.close();
          }
        }
        // lockstep's own Queryable from db.transaction works on both dialects.
        await assert.rejects(
          d.db.transaction(async (tx) => {
            await d.queue.enqueue('b', {}, { tx });
            throw new Error('roll back');
          }),
          /roll back/,
        );
        await d.db.transaction(async (tx) => {
          await d.queue.enqueue('b', {}, { tx });
        });
        assert.equal(await count(d.db, `select count(*) as n from ${jobsTable(dialect)} where task = 'b'`), 1);
        // Anything else is refused, naming what this database takes, and nothing is written.
        await assert.rejects(
          d.queue.enqueue('c', {}, { tx: { run: () => {} } as never }),
          dialect === 'postgres' ? /joined through a pg Client\/PoolClient or a lockstep Queryable/ : /joined through a better-sqlite3 Database or a lockstep Queryable/,
        );
        assert.equal(await count(d.db, `select count(*) as n from ${jobsTable(dialect)} where task = 'c'`), 0);
      } finally {
        await d.dispose();
      }
    });

    test('fencing: a worker whose lease expired cannot complete, fail or report progress after a takeover', async () => {
      const d = await createJobsTestDb(dialect);
      try {
        const store = d.queue.store;
        const { id } = await d.queue.enqueue('fenced', {});
        const [a] = await store.claim({ workerId: 'A', queues: null, tasks: ['fenced'], limit: 5, leaseMs: 200 });
        assert.equal(a.id, id);
        await sleep(300);
        assert.equal(await store.rescueExpired('B'), 1);
        const [b] = await store.claim({ workerId: 'B', queues: null, tasks: ['fenced'], limit: 5, leaseMs: 30_000 });
        assert.equal(b.id, id);
        assert.equal(b.attempt, 2);
        const progress = { done: 1, total: 2, percent: 50, etaSeconds: null };
        assert.deepEqual(await store.complete([{ id, token: a.leaseToken, progress: null }]), []);
        assert.equal(await store.fail({ id, token: a.leaseToken, attempt: 1, error: 'late', retryInMs: null, progress: null, workerId: 'A' }), false);
        await store.saveProgress([{ id, token: a.leaseToken, progress }]);
        const lost = await store.heartbeat({ workerId: 'A', leases: [{ id, token: a.leaseToken }], leaseMs: 30_000 });
        assert.deepEqual(lost, [{ id, state: 'running' }]);
        let job = (await d.queue.getJob(id))!;
        assert.equal(job.state, 'running');
        assert.equal(job.workerId, 'B');
        assert.equal(job.progress, null);
        assert.deepEqual(await store.complete([{ id, token: b.leaseToken, progress }]), [id]);
        job = (await d.queue.getJob(id))!;
        assert.equal(job.state, 'succeeded');
        assert.equal(job.lastError?.startsWith('lease expired: worker A'), true);
      } finally {
        await d.dispose();
      }
    });

    test('invalid payload at run time is dead after one attempt; PermanentError is not retried; errors retry with growing delays', async () => {
      const d = await createJobsTestDb(dialect);
      const strict = task('strict', { payload: z.object({ id: z.uuid() }), maxAttempts: 5, run: () => {} });
      const permanent = task('permanent', { maxAttempts: 5, run: () => { throw new PermanentError('gone for good'); } });
      const flaky = task('flaky', { maxAttempts: 4, backoff: { baseMs: 100, factor: 2, jitter: 0 }, run: () => { throw new Error('flaky'); } });
      // Enqueued by name, without the validator, as another service might.
      const bad = await d.queue.enqueue('strict', { id: 'not-a-uuid' });
      const perm = await d.queue.enqueue(permanent);
      const fl = await d.queue.enqueue(flaky);
      const worker = await runWorker({ url: d.t.url, tasks: [strict, permanent, flaky], pollIntervalMs: 20, logger: silentLogger });
      try {
        const done = await waitFor('all dead', async () => {
          const jobs = await Promise.all([bad, perm, fl].map((j) => d.queue.getJob(j.id)));
          return jobs.every((j) => j?.state === 'dead') ? jobs.map((j) => j!) : undefined;
        }, 10_000);
        const [badJob, permJob, flJob] = done;
        assert.equal(badJob.attempt, 1);
        assert.match(badJob.lastError!, /^invalid payload: id: Invalid UUID/);
        assert.equal(permJob.attempt, 1);
        assert.equal(permJob.lastError, 'PermanentError: gone for good');
        assert.equal(flJob.attempt, 4);
        assert.deepEqual(flJob.events.map((e) => e.kind), ['failed', 'failed', 'failed', 'dead']);
        const at = flJob.events.map((e) => e.at.getTime());
        const gaps = [at[1] - at[0], at[2] - at[1], at[3] - at[2]];
        assert.ok(gaps[0] >= 100 && gaps[1] >= 200 && gaps[2] >= 400, `gaps ${gaps}`);
        assert.ok(gaps[0] < gaps[1] && gaps[1] < gaps[2], `growing gaps ${gaps}`);
      } finally {
        await worker.stop();
        await d.dispose();
      }
    });

    test('cancel aborts a running job and the cancellation is not overwritten; timeouts fail the attempt', async () => {
      const d = await createJobsTestDb(dialect);
      let reason: unknown;
      const wait = task('wait', {
        run: (_p, ctx) =>
          new Promise((_, reject) => ctx.signal.addEventListener('abort', () => ((reason = ctx.signal.reason), reject(ctx.signal.reason)))),
      });
      const slow = task('slow', { timeoutMs: 100, maxAttempts: 1, run: () => new Promise(() => {}) });
      const worker = await runWorker({ url: d.t.url, tasks: [wait, slow], pollIntervalMs: 20, leaseMs: 600, logger: silentLogger });
      try {
        const { id } = await d.queue.enqueue(wait);
        await waitFor('running', async () => (await d.queue.getJob(id))?.state === 'running');
        await d.queue.cancelJob(id);
        await waitFor('signal aborted', async () => reason !== undefined, 5000);
        assert.match(String((reason as Error).message), /cancelled/);
        await sleep(300);
        const job = (await d.queue.getJob(id))!;
        assert.equal(job.state, 'cancelled');
        assert.equal(job.lastError, null);

        const timed = await d.queue.enqueue(slow);
        const dead = await waitFor('timed out', async () => {
          const j = await d.queue.getJob(timed.id);
          return j?.state === 'dead' ? j : undefined;
        });
        assert.match(dead.lastError!, /timed out after 100 ms/);
      } finally {
        await worker.stop();
        await d.dispose();
      }
    });

    test('a worker refuses to start without the jobs tables, and stops when they are upgraded under it', async () => {
      const d = await createJobsTestDb(dialect);
      try {
        const noop = task('noop', { run: () => {} });
        const migrations = dialect === 'postgres' ? 'lockstep.jobs_migrations' : 'lockstep_jobs_migrations';
        const worker = await runWorker({ url: d.t.url, tasks: [noop], leaseMs: 300, logger: silentLogger });
        await d.db.query(`insert into ${migrations} (version, name, applied_at) values ($1, 'future', ${dialect === 'postgres' ? 'now()' : '0'})`, [JOBS_SCHEMA_VERSION + 1]);
        assert.equal(await worker.done, 'jobs-schema-changed');
        await assert.rejects(runWorker({ url: d.t.url, tasks: [noop], logger: silentLogger }), (e: unknown) => e instanceof SchemaGuardError && e.exitCode === 3 && /newer than this worker/.test(e.message));
        await d.db.exec(dialect === 'postgres' ? 'drop schema lockstep cascade' : 'drop table lockstep_jobs_migrations');
        await assert.rejects(runWorker({ url: d.t.url, tasks: [noop], logger: silentLogger }), /jobs tables are not installed/);
      } finally {
        await d.dispose();
      }
    });

    test('cron: no burst of missed ticks after downtime, unless the task asks to catch up', async () => {
      const d = await createJobsTestDb(dialect);
      const ticks = dialect === 'postgres' ? 'lockstep.cron_ticks' : 'lockstep_cron_ticks';
      try {
        // The last tick anyone enqueued was 5 s ago: the workers were down since.
        const last = new Date(Math.floor(Date.now() / 1000) * 1000 - 5000);
        for (const name of ['every-second', 'every-second-catch-up']) {
          await d.db.query(`insert into ${ticks} (task, tick_at, created_at) values ($1, $2, $3)`, [name, dialect === 'postgres' ? last : last.getTime(), dialect === 'postgres' ? last : last.getTime()]);
        }
        const plain = task('every-second', { cron: '* * * * * *', run: () => {} });
        const catchUp = task('every-second-catch-up', { cron: { pattern: '* * * * * *', catchUp: true }, run: () => {} });
        const startedAt = Date.now();
        const worker = await runWorker({ url: d.t.url, tasks: [plain, catchUp], logger: silentLogger });
        try {
          const jobsOf = (name: string) => count(d.db, `select count(*) as n from ${jobsTable(dialect)} where task = $1`, [name]);
          const caught = await jobsOf('every-second-catch-up');
          const plainNow = await jobsOf('every-second');
          // Catch-up enqueued each missed second at start; the plain task only future ticks.
          assert.ok(caught >= 4, `${caught} missed ticks enqueued`);
          assert.ok(plainNow <= Math.ceil((Date.now() - startedAt) / 1000), `${plainNow} plain ticks right after start`);
        } finally {
          await worker.stop();
        }
      } finally {
        await d.dispose();
      }
    });

    test('stats, workers and retention pruning', async () => {
      const d = await createJobsTestDb(dialect);
      try {
        const store = d.queue.store;
        await d.queue.enqueueMany([{ task: 'a' }, { task: 'a', options: { queue: 'q2' } }, { task: 'b' }]);
        const [claimed] = await store.claim({ workerId: 'w1', queues: ['default'], tasks: ['a'], limit: 1, leaseMs: 100 });
        await store.registerWorker({ id: 'w1', hostname: 'h', pid: 1, queues: ['default'], tasks: ['a'], concurrency: 1 });
        await sleep(150);
        const stats = await d.queue.stats();
        assert.equal(stats.expiredLeases, 1);
        assert.ok(stats.oldestReadyAgeMs !== null && stats.oldestReadyAgeMs >= 100);
        assert.deepEqual(stats.counts.map((c) => `${c.queue}:${c.state}:${c.count}`).sort(), ['default:queued:1', 'default:running:1', 'q2:queued:1']);
        const [w] = await d.queue.workers();
        assert.equal(w.id, 'w1');
        assert.equal(w.runningJobs, 1);
        assert.ok(w.heartbeatAgeMs >= 100);
        assert.equal(claimed.task, 'a');

        await store.complete([{ id: claimed.id, token: claimed.leaseToken, progress: null }]);
        const old = dialect === 'postgres' ? "now() - interval '8 days'" : String(Date.now() - 8 * 86_400_000);
        await d.db.exec(`update ${jobsTable(dialect)} set finished_at = ${old} where id = ${claimed.id}`);
        assert.equal(await d.queue.prune(), 1);
        assert.equal(await d.queue.getJob(claimed.id), null);
        assert.equal(await count(d.db, `select count(*) as n from ${eventsTable(dialect)} where job_id = ${claimed.id}`), 0);
        assert.deepEqual((await d.queue.listJobs({ search: 'b' })).map((j) => j.task), ['b']);
      } finally {
        await d.dispose();
      }
    });
  });
}

test('a queue and a worker share one in-memory SQLite database (sqlite::memory:)', async () => {
  const db = await connect('sqlite::memory:');
  const queue = await createQueue({ db });
  try {
    await queue.install();
    const ran: number[] = [];
    const hello = task('memory-hello', { run: async (_p: unknown, ctx) => void ran.push(ctx.job.id) });
    const { id } = await queue.enqueue(hello, {});
    const worker = await runWorker({ db, tasks: [hello], logger: silentLogger, pollIntervalMs: 20 });
    try {
      for (let i = 0; i < 200 && (await queue.getJob(id))?.state !== 'succeeded'; i++) await new Promise((r) => setTimeout(r, 10));
      assert.equal((await queue.getJob(id))?.state, 'succeeded');
      assert.deepEqual(ran, [id]);
    } finally {
      await worker.stop();
    }
  } finally {
    await queue.close();
    await db.close();
  }
});
