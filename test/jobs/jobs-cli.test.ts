import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, test } from 'node:test';
import { REPO_ROOT, runCli } from '../helpers/cli.js';
import { DIALECTS, testPgUrl } from '../helpers/databases.js';
import { runWorker, silentLogger, task } from '../../src/jobs/index.js';
import { JOBS_SCHEMA_VERSION } from '../../src/jobs/jobs-schema-version.js';
import { createJobsTestDb, waitFor } from './helpers.js';

const TASKS = fileURLToPath(new URL('./fixtures/tasks.ts', import.meta.url));
const BIN = join(REPO_ROOT, 'src/cli/bin.ts');
const TSX = import.meta.resolve('tsx');

function project(config: Record<string, unknown>, files: Record<string, string> = {}): { dir: string; dispose(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'lockstep-jobs-cli-'));
  writeFileSync(join(dir, 'lockstep.config.json'), JSON.stringify(config));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return { dir, dispose: () => rmSync(dir, { recursive: true, force: true }) };
}

for (const dialect of DIALECTS) {
  describe(`lockstep jobs CLI (${dialect})`, () => {
    test('install, enqueue (id alone, idempotent key), list, show --json, cancel, retry', async () => {
      const d = await createJobsTestDb(dialect);
      await d.db.exec(dialect === 'postgres' ? 'drop schema lockstep cascade' : 'drop table lockstep_jobs_migrations');
      const p = project({ url: d.t.url, jobs: { tasks: TASKS } });
      try {
        const cli = (...args: string[]) => runCli(args, { cwd: p.dir, env: { LOCKSTEP_TEST_URL: d.t.url } });
        const before = await cli('jobs', 'list');
        assert.equal(before.code, 2);
        assert.match(before.stderr, /not installed/);
        assert.match(before.stderr, /lockstep jobs install/);
        if (dialect === 'sqlite') {
          await d.db.exec(
            'drop table lockstep_job_steps; drop table lockstep_job_logs; drop table lockstep_job_attempts; drop table lockstep_job_rate_log; drop table lockstep_job_queues; drop table lockstep_job_history; drop table lockstep_jobs; drop table lockstep_job_events; drop table lockstep_workers; drop table lockstep_cron_ticks; drop table if exists lockstep_queue_stats',
          );
        }
        const install = await cli('jobs', 'install');
        assert.equal(install.code, 0, install.stderr);
        assert.match(install.stdout, new RegExp(`installed at version ${JOBS_SCHEMA_VERSION}`));

        const first = await cli('jobs', 'enqueue', 'record', '--payload', '{"ms":1}', '--key', 'k1', '--priority', '2');
        assert.equal(first.code, 0, first.stderr);
        assert.match(first.stdout, /^\d+\n$/);
        const id = first.stdout.trim();
        const second = await cli('jobs', 'enqueue', 'record', '--payload', '{"ms":1}', '--key', 'k1');
        assert.equal(second.stdout, `${id}\n`);

        const invalid = await cli('jobs', 'enqueue', 'items', '--payload', '{"n":"many"}');
        assert.equal(invalid.code, 2);
        assert.match(invalid.stderr, /invalid payload for task "items": n: Invalid input: expected number/);
        const badJson = await cli('jobs', 'enqueue', 'record', '--payload', '{oops');
        assert.equal(badJson.code, 2);
        assert.match(badJson.stderr, /--payload is not valid JSON/);

        const show = await cli('jobs', 'show', id, '--json');
        assert.equal(show.code, 0, show.stderr);
        const json = JSON.parse(show.stdout);
        assert.deepEqual(Object.keys(json), [
          'id', 'task', 'queue', 'state', 'attempt', 'maxAttempts', 'progress', 'runAt', 'createdAt', 'startedAt', 'finishedAt', 'lastError', 'key',
          'result', 'parentId', 'logs', 'steps', 'children', 'attempts',
        ]);
        assert.equal(json.id, Number(id));
        assert.equal(json.state, 'queued');
        assert.equal(json.maxAttempts, 50);
        assert.equal(json.key, 'k1');

        const list = await cli('jobs', 'list', '--state', 'queued', '--json');
        assert.deepEqual(JSON.parse(list.stdout).map((j: { id: number }) => j.id), [Number(id)]);
        const text = await cli('jobs', 'list');
        assert.match(text.stdout, new RegExp(`^${id}\\s+record\\s+default\\s+queued\\s+0/50`, 'm'));

        assert.equal((await cli('jobs', 'cancel', id)).code, 0);
        const twice = await cli('jobs', 'cancel', id);
        assert.equal(twice.code, 2);
        assert.match(twice.stderr, /is cancelled and cannot be cancelled/);
        assert.equal((await cli('jobs', 'retry', id)).code, 0);
        const shown = await cli('jobs', 'show', id);
        assert.match(shown.stdout, /cancelled \(attempt 0\): cancelled by hand/);
        assert.match(shown.stdout, /retried/);
        assert.equal((await cli('jobs', 'show', '424242')).code, 2);
      } finally {
        p.dispose();
        await d.dispose();
      }
    });

    test('jobs enqueue takes the task from the tasks module or refuses; jobs show prints result, steps and logs', async () => {
      const d = await createJobsTestDb(dialect);
      const withTasks = project({ url: d.t.url, jobs: { tasks: TASKS } });
      const bare = project({ url: d.t.url });
      try {
        const cli = (dir: string, ...args: string[]) => runCli(args, { cwd: dir, env: { LOCKSTEP_TEST_URL: d.t.url } });
        const unknown = await cli(withTasks.dir, 'jobs', 'enqueue', 'recrod');
        assert.equal(unknown.code, 2);
        assert.match(unknown.stderr, /no task named "recrod" in the tasks module \(jobs\.tasks of the config\)/);
        assert.match(unknown.stderr, /Known tasks: record, items, fail, permanent, three-steps, many-items/);
        assert.doesNotMatch(unknown.stderr, /\n\s+at /, 'no stack trace');

        const unchecked = await cli(bare.dir, 'jobs', 'enqueue', 'record');
        assert.equal(unchecked.code, 2);
        assert.match(unchecked.stderr, /cannot check task "record": no tasks module/);
        assert.match(unchecked.stderr, /--tasks FILE/);
        const byFlag = await cli(bare.dir, 'jobs', 'enqueue', 'fail', '--tasks', TASKS, '--json');
        assert.equal(byFlag.code, 0, byFlag.stderr);
        assert.equal(JSON.parse(byFlag.stdout).job.maxAttempts, 3, "the task's declared attempts");
        const forced = await cli(bare.dir, 'jobs', 'enqueue', 'fail', '--unchecked', '--json');
        assert.equal(forced.code, 0, forced.stderr);
        assert.equal(JSON.parse(forced.stdout).job.maxAttempts, 5, 'the defaults, as asked');

        const answer = task('answer', {
          async run(_p, ctx) {
            const n = await ctx.step('compute', () => 41);
            await ctx.steps('items', [1, 2, 3], (i) => i);
            ctx.log('computed', { n });
            return { answer: n + 1 };
          },
        });
        const worker = await runWorker({ url: d.t.url, tasks: [answer], pollIntervalMs: 30, logger: silentLogger });
        const { id } = await d.queue.enqueue(answer);
        await d.queue.waitFor(id, { timeoutMs: 10_000 });
        await worker.stop();
        const show = await cli(bare.dir, 'jobs', 'show', String(id));
        assert.equal(show.code, 0, show.stderr);
        assert.match(show.stdout, /result\s+\{"answer":42\}/);
        assert.match(show.stdout, /steps\n\s+compute\s+done in \d+ ms, attempt 1\n\s+items \(3 items\)\s+done/);
        assert.match(show.stdout, /logs\n.*\(attempt 1\) info\s+computed \{"n":41\}/);
        const json = JSON.parse((await cli(bare.dir, 'jobs', 'show', String(id), '--json')).stdout);
        assert.deepEqual(json.result, { answer: 42 });
        assert.deepEqual(json.steps.map((s: { name: string; items?: number }) => [s.name, s.items ?? null]), [['compute', null], ['items', 3]]);
        assert.equal(json.logs[0].message, 'computed {"n":41}');

        // Each ended attempt is kept after a retry and shown, with its start, duration and outcome.
        const flaky = task('flaky', {
          backoff: { baseMs: 10, jitter: 0 },
          async run(_p, ctx) {
            if (ctx.job.attempt === 1) throw new Error('the first try fails');
            return 'ok';
          },
        });
        const again = await runWorker({ url: d.t.url, tasks: [flaky], pollIntervalMs: 30, logger: silentLogger });
        const second = await d.queue.enqueue(flaky);
        const done = await d.queue.waitFor(second.id, { timeoutMs: 10_000 });
        await again.stop();
        assert.equal(done.state, 'succeeded');
        assert.equal(done.attempt, 2);
        const shown = await cli(bare.dir, 'jobs', 'show', String(second.id));
        assert.match(shown.stdout, /attempts\n\s+1\s+\S+Z\s+\d+ ms\s+failed: the first try fails/);
        const shownJson = JSON.parse((await cli(bare.dir, 'jobs', 'show', String(second.id), '--json')).stdout);
        assert.deepEqual(shownJson.attempts.map((a: { attempt: number; outcome: string; error: string }) => [a.attempt, a.outcome, a.error]), [[1, 'failed', 'the first try fails'], [2, 'succeeded', null]]);
        assert.ok(shownJson.attempts[0].durationMs >= 0);
      } finally {
        withTasks.dispose();
        bare.dispose();
        await d.dispose();
      }
    });

    test('jobs pause and resume a queue (exit 2 without a queue name)', async () => {
      const d = await createJobsTestDb(dialect);
      const p = project({ url: d.t.url });
      try {
        const cli = (...args: string[]) => runCli(args, { cwd: p.dir, env: { LOCKSTEP_TEST_URL: d.t.url } });
        const paused = await cli('jobs', 'pause', 'emails');
        assert.equal(paused.code, 0, paused.stderr);
        assert.match(paused.stdout, /queue emails is paused: workers claim none of its jobs until `lockstep jobs resume emails`/);
        assert.deepEqual((await d.queue.queues()).map((q) => [q.queue, q.paused]), [['emails', true]]);
        const json = JSON.parse((await cli('jobs', 'resume', 'emails', '--json')).stdout);
        assert.deepEqual([json.queue, json.paused, json.pausedAt], ['emails', false, null]);
        const missing = await cli('jobs', 'pause');
        assert.equal(missing.code, 2);
        assert.match(missing.stderr, /expected exactly one queue name, found 0/);
        assert.doesNotMatch(missing.stderr, /\n\s+at /, 'no stack trace');
      } finally {
        p.dispose();
        await d.dispose();
      }
    });

    test('worker runs jobs from a TypeScript tasks file and exits 0 on SIGTERM', async () => {
      const d = await createJobsTestDb(dialect);
      const p = project({ url: d.t.url });
      try {
        const { id } = await d.queue.enqueue('record', { ms: 1 });
        const child = spawn(process.execPath, ['--import', TSX, BIN, 'worker', '--tasks', TASKS, '--concurrency', '3', '--lease-ms', '2000', '--shutdown-timeout-ms', '500'], {
          cwd: p.dir,
          env: { ...process.env, NO_COLOR: '1', DATABASE_URL: '', LOCKSTEP_TEST_URL: d.t.url },
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        let stderr = '';
        child.stderr.on('data', (x) => (stderr += x));
        const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
        await waitFor('job succeeded', async () => (await d.queue.getJob(id))?.state === 'succeeded', 30_000);
        assert.match(stderr, /started: tasks record, items, fail, permanent, three-steps, many-items; queues all; concurrency 3; lease 2000 ms; at most \d+ connections/);
        child.kill('SIGTERM');
        assert.equal(await exited, 0, stderr);
      } finally {
        p.dispose();
        await d.dispose();
      }
    });

    test('worker refuses to start on a drifted schema: exit 3 with the drift report', async () => {
      const d = await createJobsTestDb(dialect);
      await d.db.exec('create table items (id integer primary key)');
      const p = project(
        { url: d.t.url, schema: 'schema.sql', ...(dialect === 'postgres' ? { devUrl: testPgUrl() } : {}) },
        {
          'schema.sql': `create table completions (job_id ${dialect === 'postgres' ? 'bigint primary key, pid integer not null, at timestamptz not null default now()' : "integer primary key, pid integer not null, at integer not null default (unixepoch('subsec') * 1000)"});
create table items (id integer primary key, name text not null);
`,
        },
      );
      try {
        const r = await runCli(['worker', '--tasks', TASKS], { cwd: p.dir, env: { LOCKSTEP_TEST_URL: d.t.url } });
        assert.equal(r.code, 3, r.stderr);
        assert.match(r.stderr, /cannot run this build: 1 blocking difference\(s\) from schema\.sql/);
        assert.match(r.stderr, /column\.missing/);
        assert.match(r.stderr, /items\.name|items.*name/);
      } finally {
        p.dispose();
        await d.dispose();
      }
    });
  });
}
