import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Database } from '../../src/dialects/database.js';
import type { DialectName } from '../../src/core/model.js';
import { createQueue, type Queue } from '../../src/jobs/index.js';
import { REPO_ROOT } from '../helpers/cli.js';
import { createTestDatabase, type TestDatabase } from '../helpers/databases.js';

const WORKER_SCRIPT = fileURLToPath(new URL('./fixtures/run-worker.ts', import.meta.url));

export interface WorkerProcess {
  child: ChildProcess;
  /** Resolves with the worker id once it runs. */
  ready: Promise<string>;
  exited: Promise<number>;
  stderr(): string;
}

/** Starts tests/jobs/fixtures/run-worker.ts in a process of its own. */
export function startWorkerProcess(url: string, env: Record<string, string> = {}): WorkerProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', WORKER_SCRIPT], {
    cwd: REPO_ROOT,
    env: { ...process.env, LOCKSTEP_TEST_URL: url, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += d));
  const exited = new Promise<number>((resolve) => child.on('exit', (code, signal) => resolve(code ?? (signal ? 128 : 0))));
  const ready = new Promise<string>((resolve, reject) => {
    child.stdout!.on('data', (d) => {
      stdout += d;
      const m = /ready (\S+)/.exec(stdout);
      if (m) resolve(m[1]);
    });
    void exited.then((code) => reject(new Error(`worker exited with ${code} before it was ready:\n${stderr}`)));
  });
  ready.catch(() => {});
  return { child, ready, exited, stderr: () => stderr };
}

export async function stopAll(workers: WorkerProcess[]): Promise<void> {
  for (const w of workers) if (w.child.exitCode === null && w.child.signalCode === null) w.child.kill('SIGKILL');
  await Promise.all(workers.map((w) => w.exited));
}

export interface JobsTestDb {
  t: TestDatabase;
  queue: Queue;
  db: Database;
  dispose(): Promise<void>;
}

/** A fresh database with the jobs tables and the `completions` table the fixture tasks write. */
export async function createJobsTestDb(dialect: DialectName): Promise<JobsTestDb> {
  const t = await createTestDatabase(dialect);
  await t.db.exec(
    dialect === 'postgres'
      ? 'create table completions (job_id bigint primary key, pid integer not null, at timestamptz not null default now())'
      : "create table completions (job_id integer primary key, pid integer not null, at integer not null default (unixepoch('subsec') * 1000))",
  );
  const queue = await createQueue({ url: t.url });
  await queue.install();
  return {
    t,
    queue,
    db: t.db,
    dispose: async () => {
      await queue.close();
      await t.dispose();
    },
  };
}

export async function waitFor<T>(what: string, fn: () => Promise<T | undefined | false>, timeoutMs = 20_000, everyMs = 50): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await fn();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

export async function count(db: Database, sql: string, params: unknown[] = []): Promise<number> {
  const { rows } = await db.query<{ n: number | string }>(sql, params);
  return Number(rows[0]?.n ?? 0);
}

/** `lockstep.jobs` on PostgreSQL, `lockstep_jobs` on SQLite. */
export function jobsTable(dialect: DialectName): string {
  return dialect === 'postgres' ? 'lockstep.jobs' : 'lockstep_jobs';
}

export function eventsTable(dialect: DialectName): string {
  return dialect === 'postgres' ? 'lockstep.job_events' : 'lockstep_job_events';
}
