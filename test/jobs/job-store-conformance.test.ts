import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { JobStore, NewJob, StepWrite } from '../../src/jobs/job-store.js';
import { JOBS_SCHEMA_VERSION } from '../../src/jobs/jobs-schema-version.js';
import { createJobStore } from '../../src/jobs/sql-job-store.js';
import { createTestDatabase, type TestDatabase } from '../helpers/databases.js';

// Every behaviour of the one job store, on each database it runs on: a PostgreSQL server,
// a SQLite file and a SQLite database in memory (one connection, one process).
const TARGETS = [
  { name: 'postgres', open: () => createTestDatabase('postgres') },
  { name: 'sqlite file', open: () => createTestDatabase('sqlite') },
  { name: 'sqlite::memory:', open: () => createTestDatabase('sqlite', { memory: true }) },
] as const;

const job = (task: string, extra: Partial<NewJob> = {}): NewJob => ({ task, queue: 'default', payload: { task }, key: null, runAt: null, priority: 0, maxAttempts: 3, ...extra });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const claimArgs = { workerId: 'w1', queues: null, tasks: ['a', 'b', 'c'], limit: 10, leaseMs: 30_000 };

for (const target of TARGETS) {
  describe(`job store conformance (${target.name})`, () => {
    let t: TestDatabase;
    let store: JobStore;
    const wakes: string[] = [];
    let unlisten: () => Promise<void>;

    before(async () => {
      t = await target.open();
      store = createJobStore(t.db);
      assert.deepEqual(await store.install(), { from: 0, to: JOBS_SCHEMA_VERSION });
      assert.deepEqual(await store.install(), { from: JOBS_SCHEMA_VERSION, to: JOBS_SCHEMA_VERSION }, 'install is idempotent');
      assert.equal(await store.installedVersion(), JOBS_SCHEMA_VERSION);
      unlisten = await store.listen((event) => wakes.push(event));
      await store.registerWorker({ id: 'w1', hostname: 'h', pid: 1, queues: null, tasks: ['a', 'b', 'c'], concurrency: 2 });
    });
    after(async () => {
      await unlisten();
      await store.close();
      await t.dispose();
    });

    const reset = async () => {
      await t.db.exec(`delete from ${store.jobsTable}`);
      wakes.length = 0;
    };
    const waitForWake = async (event: string) => {
      for (let i = 0; i < 100 && !wakes.includes(event); i++) await sleep(10);
      return wakes.includes(event);
    };

    test('enqueue deduplicates by key while the keyed job is queued or running, and wakes workers', async () => {
      await reset();
      const [first, second, third] = await store.enqueue([job('a', { key: 'k1' }), job('a', { key: 'k1' }), job('b')]);
      assert.equal(first!.created, true);
      assert.deepEqual(second, { id: first!.id, created: false });
      assert.equal(third!.created, true);
      assert.ok(await waitForWake('jobs'));
      const [again] = await store.enqueue([job('a', { key: 'k1' })]);
      assert.deepEqual(again, { id: first!.id, created: false });
    });

    test('claims by priority, then run_at, then id; skips future jobs, other tasks and other queues', async () => {
      await reset();
      const [low, high, , , other] = await store.enqueue([
        job('a'),
        job('a', { priority: 5 }),
        job('a', { runAt: new Date(Date.now() + 3_600_000) }),
        job('x'),
        job('a', { queue: 'other' }),
      ]);
      const claimed = await store.claim({ ...claimArgs, queues: ['default'] });
      assert.deepEqual(claimed.map((c) => c.id).sort(), [low!.id, high!.id].sort());
      assert.equal(claimed.every((c) => c.attempt === 1 && c.leaseToken.length > 0), true);
      const rest = await store.claim({ ...claimArgs, limit: 1 });
      assert.deepEqual(rest.map((c) => c.id), [other!.id]);
      const ordered = await (async () => {
        await reset();
        const ids = await store.enqueue([job('a'), job('a', { priority: 1 }), job('a')]);
        return { ids, first: await store.claim({ ...claimArgs, limit: 1 }) };
      })();
      assert.equal(ordered.first[0]!.id, ordered.ids[1]!.id, 'higher priority first');
    });

    test('complete and fail are fenced by the lease token; a failure records an event, a retry wakes workers', async () => {
      await reset();
      const [a, b, c] = await store.enqueue([job('a'), job('b'), job('c', { maxAttempts: 1 })]);
      const claimed = await store.claim(claimArgs);
      const lease = (id: number) => ({ id, token: claimed.find((x) => x.id === id)!.leaseToken });
      assert.deepEqual(await store.complete([{ id: a!.id, token: 'not-mine', progress: null }]), []);
      assert.deepEqual(await store.complete([{ ...lease(a!.id), progress: { done: 10, total: 10, percent: 100, etaSeconds: 0 } }]), [a!.id]);
      assert.equal((await store.getJob(a!.id))!.state, 'succeeded');
      assert.equal((await store.getJob(a!.id))!.progress?.done, 10);
      wakes.length = 0;
      assert.equal(await store.fail({ ...lease(b!.id), attempt: 1, error: 'boom', retryInMs: 0, progress: null, workerId: 'w1' }), true);
      assert.ok(await waitForWake('jobs'), 'a retry wakes workers');
      assert.equal((await store.getJob(b!.id))!.state, 'queued');
      assert.equal(await store.fail({ ...lease(b!.id), attempt: 1, error: 'again', retryInMs: 0, progress: null, workerId: 'w1' }), false, 'the lease is gone');
      assert.equal(await store.fail({ ...lease(c!.id), attempt: 1, error: 'fatal', retryInMs: null, progress: null, workerId: 'w1' }), true);
      const dead = await store.getJob(c!.id);
      assert.equal(dead!.state, 'dead');
      assert.equal(dead!.lastError, 'fatal');
      assert.deepEqual((await store.jobEvents(b!.id)).map((e) => e.kind), ['failed']);
      assert.deepEqual((await store.jobEvents(c!.id)).map((e) => e.kind), ['dead']);
    });

    test('heartbeat renews held leases and reports lost ones with the job state', async () => {
      await reset();
      const [a, b] = await store.enqueue([job('a'), job('b')]);
      const claimed = await store.claim(claimArgs);
      const leases = claimed.map((c) => ({ id: c.id, token: c.leaseToken }));
      const before = (await store.getJob(a!.id))!.leaseExpiresAt!.getTime();
      await store.cancelJob(b!.id);
      const lost = await store.heartbeat({ workerId: 'w1', leases, leaseMs: 60_000 });
      assert.deepEqual(lost, [{ id: b!.id, state: 'cancelled' }]);
      assert.ok((await store.getJob(a!.id))!.leaseExpiresAt!.getTime() > before);
    });

    test('release hands jobs back without counting the attempt, keeping their place, and wakes workers', async () => {
      await reset();
      const [a, b] = await store.enqueue([job('a'), job('b')]);
      const [first] = await store.claim({ ...claimArgs, limit: 1 });
      assert.equal(first!.id, a!.id);
      wakes.length = 0;
      assert.equal(await store.release([{ id: first!.id, token: first!.leaseToken }], 'w1', 'shutting down'), 1);
      assert.ok(await waitForWake('jobs'));
      const released = await store.getJob(a!.id);
      assert.equal(released!.state, 'queued');
      assert.equal(released!.attempt, 0);
      assert.deepEqual((await store.jobEvents(a!.id)).map((e) => [e.kind, e.attempt]), [['released', 1]]);
      const [next] = await store.claim({ ...claimArgs, limit: 1 });
      assert.equal(next!.id, a!.id, `the released job comes before ${b!.id}`);
    });

    test('a rescued job keeps its place in claim order', async () => {
      await reset();
      const [a, b] = await store.enqueue([job('a'), job('b')]);
      const [first] = await store.claim({ ...claimArgs, limit: 1, leaseMs: 1 });
      assert.equal(first!.id, a!.id);
      await sleep(20);
      wakes.length = 0;
      assert.equal(await store.rescueExpired('w2'), 1);
      assert.ok(await waitForWake('jobs'));
      const rescued = await store.getJob(a!.id);
      assert.equal(rescued!.state, 'queued');
      assert.match(rescued!.lastError!, /lease expired/);
      assert.deepEqual((await store.jobEvents(a!.id)).map((e) => e.kind), ['rescued']);
      const [next] = await store.claim({ ...claimArgs, limit: 1 });
      assert.equal(next!.id, a!.id, `the rescued job is claimed before ${b!.id}, which was behind it`);
    });

    test('cancel sends a cancel wake-up; a hand retry puts a dead job back and wakes workers', async () => {
      await reset();
      const [a] = await store.enqueue([job('a', { maxAttempts: 1 })]);
      wakes.length = 0;
      assert.equal((await store.cancelJob(a!.id))!.state, 'cancelled');
      assert.ok(await waitForWake('cancel'), 'cancel wakes the worker running it');
      wakes.length = 0;
      const retried = await store.retryJob(a!.id);
      assert.equal(retried!.state, 'queued');
      assert.equal(retried!.attempt, 0);
      assert.ok(await waitForWake('jobs'));
      assert.equal(await store.cancelJob(999_999), null);
    });

    test('search matches % and _ literally; lists filter by state, task and queue', async () => {
      await reset();
      await store.enqueue([job('a', { key: '100%_done' }), job('a', { key: '100x-done' }), job('b', { queue: 'q2' })]);
      assert.deepEqual((await store.listJobs({ search: '100%_' })).map((j) => j.key), ['100%_done']);
      assert.equal((await store.listJobs({ task: 'a' })).length, 2);
      assert.equal((await store.listJobs({ queue: 'q2' })).length, 1);
      assert.equal((await store.listJobs({ state: ['succeeded'] })).length, 0);
      assert.equal((await store.listJobs({ limit: 1, offset: 1 })).length, 1);
    });

    test('stats count jobs per queue and state; workers report their running jobs', async () => {
      await reset();
      await store.enqueue([job('a'), job('a'), job('b', { queue: 'q2' })]);
      await store.claim({ ...claimArgs, limit: 1 });
      const stats = await store.stats();
      const count = (queue: string, state: string) => stats.counts.find((c) => c.queue === queue && c.state === state)?.count ?? 0;
      assert.equal(count('default', 'queued') + count('q2', 'queued'), 2);
      assert.equal(count('default', 'running') + count('q2', 'running'), 1);
      assert.ok(stats.oldestReadyAgeMs !== null && stats.oldestReadyAgeMs >= 0);
      const [worker] = await store.workers();
      assert.equal(worker!.id, 'w1');
      assert.equal(worker!.runningJobs, 1);
      assert.deepEqual(worker!.tasks, ['a', 'b', 'c']);
    });

    test('cached stats: the refreshed copy is served while it is fresh enough, counted afresh otherwise', async () => {
      await reset();
      const queued = (s: { counts: { state: string; count: number }[] }) => s.counts.filter((c) => c.state === 'queued').reduce((n, c) => n + c.count, 0);
      await store.enqueue([job('a'), job('b')]);
      // No copy yet: even with maxAgeMs the figures are counted now.
      await t.db.exec(`delete from ${store.jobsTable.replace(/jobs$/, 'queue_stats')}`);
      assert.equal((await store.stats({ maxAgeMs: 60_000 })).ageMs, 0);
      const refreshed = await store.refreshStats();
      assert.equal(queued(refreshed), 2);
      await store.enqueue([job('a'), job('c')]);
      await sleep(20);
      const cached = await store.stats({ maxAgeMs: 60_000 });
      assert.equal(queued(cached), 2, 'the cached copy does not see the two newer jobs');
      assert.ok(cached.ageMs >= 10 && cached.ageMs < 60_000, `ageMs ${cached.ageMs}`);
      assert.deepEqual(cached.finishedLastMinute, refreshed.finishedLastMinute);
      assert.equal(queued(await store.stats({ maxAgeMs: 5 })), 4, 'a copy older than maxAgeMs is not used');
      assert.equal(queued(await store.stats()), 4, 'without maxAgeMs the figures are always counted');
    });

    test('a cron tick is enqueued once however many workers claim it', async () => {
      await reset();
      const tick = new Date(Math.floor(Date.now() / 60_000) * 60_000);
      const ids = await Promise.all([store.claimCronTick('a', tick, job('a')), store.claimCronTick('a', tick, job('a'))]);
      assert.equal(ids.filter((id) => id !== null).length, 1);
      assert.equal((await store.lastCronTick('a'))!.getTime(), tick.getTime());
    });

    test('prune deletes finished jobs older than the retention and keeps the rest', async () => {
      await reset();
      const [a, b] = await store.enqueue([job('a'), job('b')]);
      const claimed = await store.claim({ ...claimArgs, tasks: ['a'] });
      await store.complete([{ id: a!.id, token: claimed[0]!.leaseToken, progress: null }]);
      await sleep(20);
      assert.equal(await store.prune(10), 1);
      assert.equal(await store.getJob(a!.id), null);
      assert.notEqual(await store.getJob(b!.id), null);
    });

    // --- jobs schema v2: results, shown states, steps, waiting, children ---------------------

    const claimOne = async (task = 'a') => (await store.claim({ ...claimArgs, tasks: [task], limit: 1 }))[0]!;
    const lease = (c: { id: number; leaseToken: string }) => ({ id: c.id, token: c.leaseToken });
    const step = (c: { id: number; leaseToken: string }, name: string, extra: Partial<StepWrite> = {}): StepWrite => ({
      ...lease(c), name, attempt: 1, status: 'done', result: null, startedAt: new Date(), finishedAt: new Date(), ...extra,
    });

    test('complete stores the result and sends a finished wake-up with the ids', async () => {
      await reset();
      const finished: (number[] | null)[] = [];
      const stop = await store.listenFinished((ids) => finished.push(ids));
      try {
        const [a] = await store.enqueue([job('a')]);
        const c = await claimOne();
        assert.deepEqual(await store.complete([{ ...lease(c), progress: null, result: { ok: [1, 'x', null] } }]), [a!.id]);
        for (let i = 0; i < 100 && !finished.some((f) => f?.includes(a!.id)); i++) await sleep(10);
        assert.ok(finished.some((f) => f?.includes(a!.id)), `finished wake-ups: ${JSON.stringify(finished)}`);
        const done = (await store.getJob(a!.id))!;
        assert.equal(done.state, 'succeeded');
        assert.deepEqual(done.result, { ok: [1, 'x', null] });
        assert.equal(done.parentId, null);
      } finally {
        await stop();
      }
    });

    test('shown states: scheduled, retrying, waiting; lists and counts filter on them', async () => {
      await reset();
      const [later, failing, sleeping] = await store.enqueue([job('a', { runAt: new Date(Date.now() + 3_600_000) }), job('b'), job('c')]);
      const f = await claimOne('b');
      assert.equal(await store.fail({ ...lease(f), attempt: 1, error: 'boom', retryInMs: 60_000, progress: null, workerId: 'w1' }), true);
      const s = await claimOne('c');
      const until = new Date(Date.now() + 60_000);
      assert.deepEqual(await store.suspend({ ...lease(s), step: step(s, 'nap', { status: 'waiting', wait: { kind: 'sleep', until: until.toISOString() }, finishedAt: null }), runAt: until, kind: 'sleep' }), []);
      assert.equal((await store.getJob(later!.id))!.state, 'scheduled');
      assert.equal((await store.getJob(failing!.id))!.state, 'retrying');
      const waiting = (await store.getJob(sleeping!.id))!;
      assert.equal(waiting.state, 'waiting');
      assert.equal(waiting.attempt, 0, 'waiting does not count as an attempt');
      assert.deepEqual((await store.listJobs({ state: ['waiting', 'scheduled'] })).map((j) => j.id), [sleeping!.id, later!.id]);
      assert.deepEqual((await store.stats()).counts.map((c) => [c.state, c.count]), [['retrying', 1], ['scheduled', 1], ['waiting', 1]]);
      assert.equal((await store.claim(claimArgs)).length, 0, 'none of them is due');
    });

    test('steps are fenced by the lease; a done step never changes, a waiting one becomes done', async () => {
      await reset();
      const [a] = await store.enqueue([job('a')]);
      const c = await claimOne();
      await store.saveSteps([step(c, 'one', { result: { n: 1 } }), step(c, 'two', { status: 'waiting', result: null, finishedAt: null, wait: { kind: 'sleep', until: new Date().toISOString() } })]);
      await store.saveSteps([step(c, 'one', { result: { n: 2 } }), step(c, 'two', { result: 'woke' })]);
      await store.saveSteps([{ ...step(c, 'stale'), token: 'not-the-lease' }]);
      const steps = await store.jobSteps(a!.id);
      assert.deepEqual(steps.map((x) => [x.name, x.status, x.result]), [['one', 'done', { n: 1 }], ['two', 'done', 'woke']]);
      assert.equal(steps[0]!.attempt, 1);
      await store.appendLogs([{ jobId: a!.id, attempt: 1, at: new Date(), level: 'warn', message: 'careful' }]);
      assert.deepEqual((await store.jobLogs(a!.id)).map((l) => [l.attempt, l.level, l.message]), [[1, 'warn', 'careful']]);
      await store.deleteSteps(lease(c), ['one']);
      assert.deepEqual((await store.jobSteps(a!.id)).map((x) => x.name), ['two']);
    });

    test('suspend waits for an event; sendEvent resolves matching waits only and makes the job due', async () => {
      await reset();
      const [a] = await store.enqueue([job('a')]);
      const c = await claimOne();
      const wait = { kind: 'event' as const, event: 'order.paid', match: { order: { id: 7 } }, until: null };
      assert.deepEqual(await store.suspend({ ...lease(c), step: step(c, 'paid', { status: 'waiting', wait, finishedAt: null }), runAt: null, kind: 'event' }), []);
      assert.equal(await store.suspend({ ...lease(c), step: step(c, 'paid', { status: 'waiting', wait, finishedAt: null }), runAt: null, kind: 'event' }), null, 'the lease is gone');
      assert.equal((await store.getJob(a!.id))!.state, 'waiting');
      assert.equal(await store.sendEvent('order.paid', { order: { id: 8 } }), 0);
      assert.equal(await store.sendEvent('order.shipped', { order: { id: 7 } }), 0);
      assert.equal(await store.sendEvent('order.paid', { order: { id: 7, total: 3 }, by: 'card' }), 1);
      assert.equal(await store.sendEvent('order.paid', { order: { id: 7 } }), 0, 'a resolved wait stays resolved');
      assert.equal((await store.getJob(a!.id))!.state, 'queued');
      assert.deepEqual((await store.jobSteps(a!.id)).map((x) => [x.status, x.result]), [['done', { order: { id: 7, total: 3 }, by: 'card' }]]);
      assert.equal((await claimOne()).id, a!.id, 'due again');
      assert.equal((await store.resolveStep(a!.id, 'paid', null))!.result !== null, true, 'a timeout does not undo the event');
    });

    test('a wait that ended before the suspend committed makes the job due at once', async () => {
      await reset();
      const [a] = await store.enqueue([job('a')]);
      const c = await claimOne();
      await store.saveSteps([step(c, 'paid', { result: { early: true } })]);
      await store.suspend({ ...lease(c), step: step(c, 'paid', { status: 'waiting', wait: { kind: 'event', event: 'e', match: null, until: null }, finishedAt: null }), runAt: null, kind: 'event' });
      assert.equal((await store.getJob(a!.id))!.state, 'queued');
      assert.deepEqual((await store.jobSteps(a!.id))[0]!.result, { early: true });
    });

    test('one completion batch of several claims: results, progress and a lost lease each where they belong; counts and the parent wake-up', async () => {
      await reset();
      const since = new Date(Date.now() - 60_000);
      const hist = async () => (await store.history(since)).filter((h) => h.queue === 'batch').reduce((n, h) => n + h.succeeded, 0);
      const before = await hist();
      const [parent] = await store.enqueue([job('a', { queue: 'batch' })]);
      const p = await claimOne();
      const [kid] = (await store.suspend({ ...lease(p), step: step(p, 'kid', { status: 'waiting', wait: { kind: 'children', ids: [] }, finishedAt: null }), runAt: null, kind: 'children', children: [job('b', { queue: 'batch' })] }))!;
      const plain = await store.enqueue([job('a', { queue: 'batch' }), job('a', { queue: 'batch' }), job('a', { queue: 'batch' })]);
      const first = await store.claim({ ...claimArgs, tasks: ['a'], limit: 2 });
      const second = await store.claim({ ...claimArgs, tasks: ['a', 'b'], limit: 2 });
      assert.deepEqual([...first, ...second].map((c) => c.id).sort((x, y) => x - y), [...plain.map((j) => j.id), kid!].sort((x, y) => x - y));
      assert.notEqual(first[0]!.leaseToken, second[0]!.leaseToken, 'two claims, two tokens');
      const [a, b] = first;
      const [c, d] = second;
      const written = await store.complete([
        { ...lease(a!), progress: null },
        { ...lease(c!), progress: { done: 3, total: 4, percent: 75, etaSeconds: 0 }, result: { n: 1 } },
        { id: b!.id, token: second[0]!.leaseToken, progress: null, result: 'lost' },
        { ...lease(d!), progress: null, result: [2] },
      ]);
      assert.deepEqual(written, [a!.id, c!.id, d!.id], 'the item with the wrong token is not written; the rest are, in order');
      const shown = async (id: number) => {
        const j = (await store.getJob(id))!;
        return [j.state, j.result, j.progress?.done ?? null];
      };
      assert.deepEqual(await shown(a!.id), ['succeeded', null, null]);
      assert.deepEqual(await shown(c!.id), ['succeeded', { n: 1 }, 3]);
      assert.deepEqual(await shown(d!.id), ['succeeded', [2], null]);
      assert.deepEqual(await shown(b!.id), ['running', null, null]);
      assert.equal((await store.getJob(parent!.id))!.state, 'queued', 'the last child finished: its parent is due');
      await store.flushHistory();
      assert.equal((await hist()) - before, 3);
    });

    test('children: enqueued with the suspend; the parent is due when the last finishes; cancelling a parent cancels the rest', async () => {
      await reset();
      const [parent] = await store.enqueue([job('a')]);
      const p = await claimOne();
      const ids = await store.suspend({ ...lease(p), step: step(p, 'kids', { status: 'waiting', wait: { kind: 'children', ids: [] }, finishedAt: null }), runAt: null, kind: 'children', children: [job('b'), job('b')] });
      assert.equal(ids!.length, 2);
      assert.deepEqual((await store.jobSteps(parent!.id))[0]!.wait, { kind: 'children', ids });
      const kids = await store.childJobs(parent!.id);
      assert.deepEqual(kids.map((k) => [k.id, k.parentId]), ids!.map((id) => [id, parent!.id]));
      const [k1, k2] = await store.claim({ ...claimArgs, tasks: ['b'] });
      await store.complete([{ ...lease(k1!), progress: null, result: 1 }]);
      assert.equal((await store.getJob(parent!.id))!.state, 'waiting', 'one child still runs');
      assert.equal(await store.fail({ ...lease(k2!), attempt: 1, error: 'child broke', retryInMs: null, progress: null, workerId: 'w1' }), true);
      assert.equal((await store.getJob(parent!.id))!.state, 'queued', 'due once every child finished (one dead)');

      const [other] = await store.enqueue([job('c')]);
      const o = await claimOne('c');
      const [child] = (await store.suspend({ ...lease(o), step: step(o, 'kid', { status: 'waiting', wait: { kind: 'children', ids: [] }, finishedAt: null }), runAt: null, kind: 'children', children: [job('x')] }))!;
      await store.cancelJob(other!.id);
      assert.equal((await store.getJob(child!))!.state, 'cancelled');
      assert.match((await store.jobEvents(child!)).at(-1)!.message!, new RegExp(`parent job ${other!.id} was cancelled`));
    });
  });
}
