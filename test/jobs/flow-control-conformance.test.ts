import assert from 'node:assert/strict';
import type { LockstepError } from '../../src/core/errors.js';
import { after, before, describe, test } from 'node:test';
import { flowKeys, flowLimits } from '../../src/jobs/flow-control.js';
import type { ClaimedJob, ClaimRequest, JobStore, NewJob } from '../../src/jobs/job-store.js';
import { createJobStore } from '../../src/jobs/sql-job-store.js';
import { task } from '../../src/jobs/task.js';
import { createTestDatabase, type TestDatabase } from '../helpers/databases.js';

// Flow control, paused queues, the history, the attempts record and bulk actions of the
// one job store, on each database it runs on (like job-store-conformance.test.ts).
const TARGETS = [
  { name: 'postgres', open: () => createTestDatabase('postgres') },
  { name: 'sqlite file', open: () => createTestDatabase('sqlite') },
  { name: 'sqlite::memory:', open: () => createTestDatabase('sqlite', { memory: true }) },
] as const;

const shop = task('shop-sync', { concurrency: { limit: 2, key: (p: { shop: string }) => p.shop }, run: () => {} });
const single = task('single', { concurrency: { limit: 1 }, run: () => {} });
const rated = task('rated', { rateLimit: { limit: 2, periodMs: 700 }, run: () => {} });
const plain = task('plain', { run: () => {} });
const FLOW = flowLimits([shop, single, rated, plain]);

const job = (taskName: string, payload: unknown = {}, extra: Partial<NewJob> = {}): NewJob => {
  const definition = [shop, single, rated, plain].find((t) => t.name === taskName);
  return { task: taskName, queue: 'default', payload, key: null, runAt: null, priority: 0, maxAttempts: 3, ...flowKeys(definition, payload), ...extra };
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const claimArgs: ClaimRequest = { workerId: 'w1', queues: null, tasks: ['shop-sync', 'single', 'rated', 'plain'], limit: 20, leaseMs: 30_000, flow: FLOW };
const lease = (c: ClaimedJob) => ({ id: c.id, token: c.leaseToken });

test('flowLimits lists only limited tasks; task() refuses a bad limit with a clear message', () => {
  assert.deepEqual(FLOW, [
    { task: 'rated', concurrency: null, rateLimit: 2, ratePeriodMs: 700 },
    { task: 'shop-sync', concurrency: 2, rateLimit: null, ratePeriodMs: null },
    { task: 'single', concurrency: 1, rateLimit: null, ratePeriodMs: null },
  ]);
  assert.throws(() => task('x', { concurrency: { limit: 0 }, run: () => {} }), /task "x": concurrency.limit must be a positive integer, found 0/);
  assert.throws(() => task('x', { rateLimit: { limit: 1, periodMs: 1.5 }, run: () => {} }), /rateLimit.periodMs must be a positive integer, found 1.5/);
  assert.throws(
    () => task('x', { concurrency: { limit: 2, key: 'shopId' as never }, run: () => {} }),
    (error: LockstepError) => /concurrency\.key must be a function \(payload\) => string, found string/.test(error.message) && /key: \(payload\) => String/.test(error.hint ?? ''),
  );
  assert.throws(() => task('x', { rateLimit: { limit: 1, periodMs: 1000, key: 7 as never }, run: () => {} }), /rateLimit\.key must be a function \(payload\) => string, found number/);
  const bad = task('bad-key', { concurrency: { limit: 1, key: () => 42 as unknown as string }, run: () => {} });
  assert.throws(() => flowKeys(bad, {}), /task "bad-key": concurrency.key must return a string, found number/);
});

for (const target of TARGETS) {
  describe(`flow control and job console store (${target.name})`, () => {
    let t: TestDatabase;
    let store: JobStore;
    const wakes: string[] = [];
    let unlisten: () => Promise<void>;

    before(async () => {
      t = await target.open();
      store = createJobStore(t.db);
      await store.install();
      unlisten = await store.listen((event) => wakes.push(event));
    });
    after(async () => {
      await unlisten();
      await store.close();
      await t.dispose();
    });
    const reset = async () => {
      for (const q of await store.queues()) if (q.paused) await store.resumeQueue(q.queue);
      await t.db.exec(`delete from ${store.jobsTable}`);
      await t.db.exec(`delete from ${store.dialect === 'postgres' ? 'lockstep.job_rate_log' : 'lockstep_job_rate_log'}`);
      wakes.length = 0;
    };
    const running = async () => (await store.listJobs({ state: 'running', limit: 1000 })).map((j) => (j.payload as { shop?: string }).shop ?? j.task);
    const perKey = (names: string[]) => names.reduce<Record<string, number>>((acc, n) => ({ ...acc, [n]: (acc[n] ?? 0) + 1 }), {});

    test('a concurrency limit per key: at most 2 of each shop run; a finished one frees its slot and wakes workers', async () => {
      await reset();
      await store.enqueue([...['A', 'A', 'A', 'A', 'B', 'B', 'B'].map((s) => job('shop-sync', { shop: s })), job('plain'), job('plain')]);
      const first = await store.claim(claimArgs);
      assert.equal(first.length, 6, 'two per shop plus both unlimited jobs');
      assert.deepEqual(perKey(await running()), { A: 2, B: 2, plain: 2 });
      assert.deepEqual(await store.claim(claimArgs), [], 'both shops are at their limit');
      const a = first.find((c) => (c.payload as { shop?: string }).shop === 'A')!;
      wakes.length = 0;
      assert.deepEqual(await store.complete([{ ...lease(a), progress: null }]), [a.id]);
      for (let i = 0; i < 100 && !wakes.includes('jobs'); i++) await sleep(10);
      assert.ok(wakes.includes('jobs'), 'the freed slot wakes workers');
      const next = await store.claim(claimArgs);
      assert.deepEqual(next.map((c) => (c.payload as { shop: string }).shop), ['A']);
      assert.deepEqual(await store.claim(claimArgs), []);
    });

    test('flowSlots caps the limited jobs of one claim (no limited job waits in a prefetch buffer)', async () => {
      await reset();
      await store.enqueue([job('shop-sync', { shop: 'A' }), job('shop-sync', { shop: 'B' }), job('plain'), job('plain')]);
      assert.deepEqual(await store.claim({ ...claimArgs, queues: ['elsewhere'] }), [], 'a limited claim keeps to its queues');
      const claimed = await store.claim({ ...claimArgs, queues: ['default'], limit: 10, flowSlots: 1 });
      assert.deepEqual(claimed.map((c) => c.task).sort(), ['plain', 'plain', 'shop-sync']);
      assert.equal((await store.claim({ ...claimArgs, flowSlots: 0 })).length, 0);
    });

    test('without a key the limit is global for the task; a lost lease keeps its slot until it is rescued', async () => {
      await reset();
      await store.enqueue([job('single'), job('single'), job('single')]);
      const [held] = await store.claim({ ...claimArgs, leaseMs: 100 });
      assert.ok(held);
      assert.equal((await store.claim(claimArgs)).length, 0);
      await sleep(150);
      // The worker is gone (its lease expired) but nobody rescued the job yet: still running, still counted.
      assert.equal((await store.claim(claimArgs)).length, 0);
      assert.equal(await store.rescueExpired('w2'), 1);
      const [again] = await store.claim(claimArgs);
      assert.ok(again);
      assert.equal((await store.claim(claimArgs)).length, 0);
    });

    test('concurrent claims never exceed the limit (PostgreSQL: separate connections racing)', async () => {
      await reset();
      await store.enqueue(Array.from({ length: 40 }, (_, i) => job('shop-sync', { shop: i % 2 ? 'A' : 'B' })));
      const claims = await Promise.all(Array.from({ length: 8 }, (_, i) => store.claim({ ...claimArgs, workerId: `w${i}`, limit: 3 })));
      assert.equal(claims.flat().length, 4);
      assert.deepEqual(perKey(await running()), { A: 2, B: 2 });
    });

    test('a rate limit allows 2 starts per 700 ms window, then the next ones', async () => {
      await reset();
      await store.enqueue(Array.from({ length: 5 }, () => job('rated')));
      const first = await store.claim(claimArgs);
      assert.equal(first.length, 2);
      await store.complete(first.map((c) => ({ ...lease(c), progress: null })));
      assert.equal((await store.claim(claimArgs)).length, 0, 'finishing does not give starts back');
      await sleep(800);
      assert.equal((await store.claim(claimArgs)).length, 2);
      assert.equal((await store.claim(claimArgs)).length, 0);
    });

    test('a paused queue is skipped by every claim (limited or not) until resumed, and resuming wakes workers', async () => {
      await reset();
      await store.enqueue([job('plain'), job('shop-sync', { shop: 'A' }), job('plain', {}, { queue: 'other' })]);
      await store.pauseQueue('default');
      await store.pauseQueue('default');
      assert.deepEqual(
        (await store.queues()).map((q) => [q.queue, q.paused]),
        [
          ['default', true],
          ['other', false],
        ],
      );
      const claimed = await store.claim(claimArgs);
      assert.deepEqual(claimed.map((c) => c.queue), ['other']);
      wakes.length = 0;
      await store.resumeQueue('default');
      for (let i = 0; i < 100 && !wakes.includes('jobs'); i++) await sleep(10);
      assert.ok(wakes.includes('jobs'));
      assert.equal((await store.claim(claimArgs)).length, 2);
    });

    test('the history counts finished attempts per queue and minute, written in one batch per flush', async () => {
      await reset();
      const since = new Date(Math.floor(Date.now() / 60_000) * 60_000 - 60_000);
      const before = await store.history(since);
      const sum = (points: typeof before, key: 'succeeded' | 'failed' | 'dead', queue: string) => points.filter((p) => p.queue === queue).reduce((n, p) => n + p[key], 0);
      await store.enqueue([job('plain', {}, { queue: 'hist' }), job('plain', {}, { queue: 'hist' }), job('plain', {}, { queue: 'hist' })]);
      const [a, b, c] = await store.claim({ ...claimArgs, queues: ['hist'] });
      await store.complete([{ ...lease(a!), progress: null }, { ...lease(b!), progress: null }]);
      await store.fail({ ...lease(c!), attempt: 1, error: 'boom', retryInMs: null, progress: null, workerId: 'w1' });
      assert.equal(sum(await store.history(since), 'succeeded', 'hist') - sum(before, 'succeeded', 'hist'), 0, 'nothing written before the flush');
      await store.flushHistory();
      const after = await store.history(since);
      assert.equal(sum(after, 'succeeded', 'hist') - sum(before, 'succeeded', 'hist'), 2);
      assert.equal(sum(after, 'failed', 'hist') - sum(before, 'failed', 'hist'), 1);
      assert.equal(sum(after, 'dead', 'hist') - sum(before, 'dead', 'hist'), 1);
      assert.ok(after.every((p) => p.minute.getTime() % 60_000 === 0));
    });

    test('each attempt keeps its start and end after a retry; a hand retry keeps the dead attempt', async () => {
      await reset();
      const { id } = (await store.enqueue([job('plain')]))[0]!;
      const [c1] = await store.claim(claimArgs);
      await sleep(5);
      await store.fail({ ...lease(c1!), attempt: 1, error: 'first', retryInMs: 0, progress: null, workerId: 'w1' });
      const [c2] = await store.claim(claimArgs);
      assert.deepEqual((await store.jobAttempts(id)).map((a) => [a.attempt, a.outcome, a.endedAt === null]), [
        [1, 'failed', false],
        [2, 'running', true],
      ]);
      await store.fail({ ...lease(c2!), attempt: 2, error: 'second', retryInMs: null, progress: null, workerId: 'w1' });
      await store.retryJob(id);
      const [c3] = await store.claim(claimArgs);
      await store.complete([{ ...lease(c3!), progress: null }]);
      const attempts = await store.jobAttempts(id);
      assert.deepEqual(attempts.map((a) => [a.attempt, a.outcome, a.error]), [
        [1, 'failed', 'first'],
        [2, 'dead', 'second'],
        [1, 'succeeded', null],
      ]);
      assert.ok(attempts.every((a) => a.endedAt && a.endedAt.getTime() >= a.startedAt.getTime()));
    });

    test('count, search in payloads, and bulk retry/cancel/delete of a selection or of a whole filter', async () => {
      await reset();
      const ids = (await store.enqueue([job('plain', { order: 'ord-7731' }), job('plain', { order: 'ord-1' }), job('plain', { order: 'ord-2' }), job('single')])).map((j) => j.id);
      assert.equal(await store.countJobs({}), 4);
      assert.equal(await store.countJobs({}, 2), 2, 'counted up to the cap');
      assert.deepEqual((await store.listJobs({ search: '7731' })).map((j) => j.id), [ids[0]]);
      assert.equal(await store.countJobs({ search: 'ord-' }), 3);
      assert.deepEqual(await store.bulk('cancel', { ids: [ids[0]!, ids[1]!] }), [ids[0], ids[1]]);
      assert.equal(await store.countJobs({ state: 'cancelled' }), 2);
      assert.deepEqual(await store.bulk('retry', { state: 'cancelled' }), [ids[0], ids[1]]);
      assert.deepEqual((await store.jobEvents(ids[0]!)).map((e) => [e.kind, e.message]), [
        ['cancelled', 'cancelled by hand (bulk)'],
        ['retried', 'retried by hand (bulk)'],
      ]);
      assert.equal(await store.countJobs({ state: 'queued' }), 4);
      const [held] = await store.claim({ ...claimArgs, tasks: ['single'] });
      assert.deepEqual(await store.bulk('delete', {}), [ids[0], ids[1], ids[2]], 'running jobs are never deleted');
      assert.deepEqual((await store.listJobs({})).map((j) => j.id), [held!.id]);
      assert.equal((await store.listJobs({ limit: 1, offset: 1 })).length, 0, 'pagination');
    });
  });
}
