import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { createDashboardJobs } from '../../src/dashboard/dashboard-jobs.js';
import { openJobStore } from '../../src/jobs/open-job-store.js';
import { createQueue } from '../../src/jobs/index.js';
import { runCliInProcess } from '../helpers/cli.js';
import { createTestDatabase, DIALECTS } from '../helpers/databases.js';

const cleanups: Array<() => unknown> = [];
after(async () => {
  for (const fn of cleanups.reverse()) await fn();
});

for (const dialect of DIALECTS) {
  describe(`jobs show after a graceful-shutdown release, on ${dialect}`, () => {
    test('the timeline reads started (attempt 1) then released (attempt 1); only a running job shows an ETA', async () => {
      const t = await createTestDatabase(dialect);
      cleanups.push(() => t.dispose());
      const queue = await createQueue({ url: t.url });
      cleanups.push(() => queue.close());
      await queue.install();
      const { id } = await queue.enqueue('sync', { n: 1 });
      const cancelledJob = await queue.enqueue('sync', { n: 2 });

      // What a worker does: claim, report progress with an ETA, then hand the job back on SIGTERM.
      const opened = await openJobStore({ db: t.db });
      cleanups.push(() => opened.close());
      const store = opened.store;
      const claimed = await store.claim({ workerId: 'w-1', queues: null, tasks: ['sync'], limit: 2, leaseMs: 30_000 });
      assert.equal(claimed.length, 2);
      const progress = { done: 40, total: 100, percent: 40, etaSeconds: 90 };
      await store.saveProgress(claimed.map((c) => ({ id: c.id, token: c.leaseToken, progress })));
      const running = await runCliInProcess(['jobs', 'show', String(id), '--url', t.url]);
      assert.match(running.stdout, /progress {4}40\/100 40% eta 90s/, 'a running job shows its ETA');

      const first = claimed.find((c) => c.id === id)!;
      assert.equal(await store.release([{ id, token: first.leaseToken }], 'w-1', 'worker shutting down'), 1);
      const other = claimed.find((c) => c.id === cancelledJob.id)!;
      await queue.cancelJob(other.id);

      const shown = await runCliInProcess(['jobs', 'show', String(id), '--url', t.url]);
      assert.equal(shown.code, 0, shown.stderr);
      const timeline = shown.stdout.slice(shown.stdout.indexOf('timeline'));
      assert.match(timeline, /started \(attempt 1\)/);
      assert.match(timeline, /released \(attempt 1\): worker shutting down/);
      assert.doesNotMatch(timeline, /attempt 0/);
      assert.ok(timeline.indexOf('started') < timeline.indexOf('released'), timeline);
      assert.match(shown.stdout, /state {7}queued/);
      assert.match(shown.stdout, /progress {4}40\/100 40%\n/, 'queued: no ETA');

      const cancelled = await runCliInProcess(['jobs', 'show', String(other.id), '--url', t.url]);
      assert.match(cancelled.stdout, /state {7}cancelled/);
      assert.doesNotMatch(cancelled.stdout, /eta/);
      const list = await runCliInProcess(['jobs', 'list', '--url', t.url]);
      assert.doesNotMatch(list.stdout, /eta/, list.stdout);
      const listed = JSON.parse((await runCliInProcess(['jobs', 'list', '--json', '--url', t.url])).stdout) as Array<{ progress: { etaSeconds: number | null } }>;
      assert.deepEqual(
        listed.map((j) => j.progress.etaSeconds),
        [null, null],
      );

      // The dashboard's detail agrees: one attempt, released, and no ETA.
      const jobs = createDashboardJobs(async () => t.db);
      cleanups.push(() => jobs.close());
      const detail = (await jobs.get(String(id)))!;
      assert.deepEqual(
        detail.attempts.map((a) => [a.attempt, a.outcome]),
        [[1, 'released']],
      );
      assert.match(detail.timeline.find((e) => e.event === 'started')?.detail ?? '', /^attempt 1 on w-1$/);
      assert.equal(detail.progress?.etaSeconds, null);
    });
  });
}
