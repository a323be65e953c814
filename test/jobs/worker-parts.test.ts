import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import BetterSqlite3 from 'better-sqlite3';
import { connect } from '../../src/dialects/index.js';
import { createQueue, runWorker, silentLogger, task } from '../../src/jobs/index.js';
import { waitFor } from './helpers.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('worker parts', () => {
  test('a handler that ignores its abort signal keeps its slot until it returns', async () => {
    const db = await connect('sqlite::memory:');
    const queue = await createQueue({ db });
    await queue.install();
    const spans: { id: number; start: number; end?: number }[] = [];
    const stubborn = task('stubborn', {
      timeoutMs: 50,
      run: async (_p: unknown, ctx) => {
        const span: { id: number; start: number; end?: number } = { id: ctx.job.id, start: Date.now() };
        spans.push(span);
        await sleep(400); // ignores ctx.signal
        span.end = Date.now();
      },
    });
    await queue.enqueueMany([{ task: stubborn, payload: {} }, { task: stubborn, payload: {} }]);
    const worker = await runWorker({ db, tasks: [stubborn], concurrency: 1, pollIntervalMs: 10, logger: silentLogger });
    try {
      await waitFor('both handlers to have run', async () => spans.length === 2 && spans.every((s) => s.end !== undefined), 10_000, 20);
      const [a, b] = spans.sort((x, y) => x.start - y.start);
      assert.ok(b!.start >= a!.end!, `the second handler started ${b!.start - a!.end!} ms after the first returned, never beside it`);
    } finally {
      await worker.stop();
      await queue.close();
      await db.close();
    }
  });

  test('a worker that cannot renew its leases fences itself: handlers aborted, nothing completed, nothing claimed', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lockstep-fence-'));
    const url = `sqlite:${join(dir, 'q.db')}`;
    const queue = await createQueue({ url });
    await queue.install();
    const aborted: string[] = [];
    let started = 0;
    const patient = task('patient', {
      run: async (_p: unknown, ctx) => {
        started++;
        await new Promise<void>((resolve, reject) => {
          const timer = setTimeout(resolve, 5000);
          ctx.signal.addEventListener('abort', () => {
            clearTimeout(timer);
            aborted.push(String((ctx.signal.reason as Error)?.message ?? ctx.signal.reason));
            reject(ctx.signal.reason);
          });
        });
      },
    });
    const { id } = await queue.enqueue(patient, {});
    const worker = await runWorker({ url, tasks: [patient], leaseMs: 600, heartbeatMs: 100, rescueIntervalMs: 60_000, pollIntervalMs: 20, logger: silentLogger });
    const blocker = new BetterSqlite3(join(dir, 'q.db'));
    try {
      await waitFor('the job to start', async () => started === 1, 10_000, 10);
      // Another connection holds the write lock: every renewal waits and none gets through.
      blocker.exec('begin immediate');
      await waitFor('the worker to fence itself', async () => aborted.length === 1, 5000, 10);
      assert.match(aborted[0]!, /fenced/);
      assert.equal(worker.readiness().ready, false);
      await sleep(300);
      blocker.exec('commit');
      await sleep(300);
      const job = await queue.getJob(id);
      assert.notEqual(job!.state, 'succeeded', 'nothing is completed after the lease ended');
      await waitFor('the worker to unfence after a renewal', async () => worker.readiness().ready, 5000, 20);
    } finally {
      if (blocker.inTransaction) blocker.exec('rollback');
      blocker.close();
      await worker.stop();
      await queue.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('maintenance is done by one elected worker: the oldest live one rescues, the others do not', async () => {
    const db = await connect('sqlite::memory:');
    const queue = await createQueue({ db });
    await queue.install();
    const idle = task('idle', { run: async () => {} });
    const first = await runWorker({ db, tasks: [idle], workerId: 'w-old', leaseMs: 2000, rescueIntervalMs: 50, pollIntervalMs: 20, logger: silentLogger });
    await sleep(20);
    const second = await runWorker({ db, tasks: [idle], workerId: 'w-new', leaseMs: 2000, rescueIntervalMs: 50, pollIntervalMs: 20, logger: silentLogger });
    try {
      // Three jobs whose (other) worker died: running, with a lease that has expired.
      const { store } = queue;
      await queue.enqueueMany([{ task: 'orphan', payload: {} }, { task: 'orphan', payload: {} }, { task: 'orphan', payload: {} }]);
      const claimed = await store.claim({ workerId: 'w-dead', queues: null, tasks: ['orphan'], limit: 3, leaseMs: 1 });
      assert.equal(claimed.length, 3);
      await waitFor('the rescues', async () => (await Promise.all(claimed.map((c) => queue.getJob(c.id)))).every((j) => j!.state === 'queued'), 5000, 20);
      const rescuers = new Set<string | null>();
      for (const c of claimed) for (const e of await store.jobEvents(c.id)) if (e.kind === 'rescued') rescuers.add(e.workerId);
      assert.deepEqual([...rescuers], ['w-old']);
    } finally {
      await second.stop();
      await first.stop();
      await queue.close();
      await db.close();
    }
  });

  test('the elected worker keeps the cached queue statistics fresh; probes read them without counting', async () => {
    const db = await connect('sqlite::memory:');
    const queue = await createQueue({ db });
    await queue.install();
    const idle = task('idle', { run: async () => {} });
    await queue.enqueueMany([{ task: 'later', payload: {}, options: { runAt: new Date(Date.now() + 3_600_000) } }]);
    const worker = await runWorker({ db, tasks: [idle], workerId: 'w-stats', statsIntervalMs: 50, pollIntervalMs: 20, logger: silentLogger });
    try {
      await waitFor('a cached copy', async () => (await queue.stats({ maxAgeMs: 10_000 })).ageMs > 0, 5000, 20);
      const first = await queue.stats({ maxAgeMs: 10_000 });
      assert.equal(first.counts.find((c) => c.state === 'queued')?.count, 1);
      await queue.enqueueMany([{ task: 'later', payload: {}, options: { runAt: new Date(Date.now() + 3_600_000) } }]);
      // The next refresh (every 50 ms) sees the second job.
      await waitFor('the refreshed copy', async () => {
        const s = await queue.stats({ maxAgeMs: 10_000 });
        return s.ageMs > 0 && s.counts.find((c) => c.state === 'queued')?.count === 2;
      }, 5000, 20);
    } finally {
      await worker.stop();
      await queue.close();
      await db.close();
    }
  });
});
