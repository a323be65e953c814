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

  test('prefetch: jobs claimed ahead wait in memory, start as slots free, and go back unstarted on stop', async () => {
    const db = await connect('sqlite::memory:');
    const queue = await createQueue({ db });
    await queue.install();
    const order: number[] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const gated = task('gated', {
      run: async (_p: unknown, ctx) => {
        order.push(ctx.job.id);
        if (order.length === 1) await gate;
      },
    });
    const ids = (await queue.enqueueMany(Array.from({ length: 8 }, () => ({ task: gated, payload: {} })))).map((j) => j.id);
    const worker = await runWorker({ db, tasks: [gated], concurrency: 1, prefetch: 3, pollIntervalMs: 20, logger: silentLogger });
    try {
      // One runs (held by the gate), three more are claimed ahead: four leases, four "running".
      await waitFor('the prefetch', async () => (await queue.listJobs({ state: 'running' })).length === 4, 5000, 20);
      await sleep(100);
      assert.equal(order.length, 1, 'the prefetched jobs do not start while the only slot is taken');
      assert.equal((await queue.listJobs({ state: 'queued' })).length, 4, 'no more than concurrency + prefetch are claimed');
      // A prefetched job that is cancelled is dropped from the buffer, never started.
      const waiting = (await queue.listJobs({ state: 'running' })).map((j) => j.id).filter((id) => id !== order[0]);
      await queue.cancelJob(waiting[0]!);
      release();
      await waitFor('the rest', async () => (await queue.listJobs({ state: 'succeeded' })).length === 7, 5000, 20);
      assert.equal(order.includes(waiting[0]!), false, 'the cancelled prefetched job never ran');
      assert.deepEqual([...order].sort((a, b) => a - b), ids.filter((id) => id !== waiting[0]));
    } finally {
      await worker.stop();
    }
    // Stop with prefetched jobs: they go back to the queue without counting an attempt.
    const more = await queue.enqueueMany(Array.from({ length: 4 }, () => ({ task: 'slow', payload: {} })));
    let running = 0;
    const slow = task('slow', { run: async (_p: unknown, ctx) => { running++; await new Promise((r) => ctx.signal.addEventListener('abort', r)); } });
    const second = await runWorker({ db, tasks: [slow], concurrency: 1, prefetch: 3, pollIntervalMs: 20, shutdownTimeoutMs: 50, logger: silentLogger });
    await waitFor('the prefetch', async () => (await queue.listJobs({ state: 'running' })).length === 4, 5000, 20);
    await second.stop();
    assert.equal(running, 1);
    const after = await Promise.all(more.map((j) => queue.getJob(j.id)));
    assert.deepEqual(after.map((j) => j!.state), ['queued', 'queued', 'queued', 'queued']);
    assert.ok(after.every((j) => j!.attempt === 0), 'a hand-back counts no attempt: the three that never started and the one stopped by the shutdown');
    await queue.close();
    await db.close();
  });
});
