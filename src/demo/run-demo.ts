import { cpSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Style } from '../report/style.js';
import { renderCheckText } from '../report/render-check-report.js';
import { loadConfig } from '../core/config.js';
import { parseConnectionUrl } from '../dialects/connection-url.js';
import type { Database } from '../dialects/database.js';
import { connect, getDialect } from '../dialects/index.js';
import { LockstepError } from '../core/errors.js';
import { openDashboard } from '../dashboard/open-dashboard.js';
import type { RunningDashboard } from '../dashboard/dashboard-server.js';
import { FINISHED_STATES, type JobRecord } from '../jobs/job-store.js';
import { createQueue, type Queue } from '../jobs/queue.js';
import { formatLintText } from '../report/lint-text.js';
import { lintMigrations } from '../lint/lint.js';
import { readMigrationsFolder } from '../migrations/migration-folder.js';
import { migrateUp } from '../migrations/migrate-up.js';
import { checkSchema } from '../check/check.js';
import { demoFile } from './demo-files.js';
import { ProgressDisplay, type ProgressOutput } from './demo-progress.js';
import { type DemoWorker, startDemoWorker, stopDemoWorker } from './demo-workers.js';

/** 10,946 items (a Fibonacci number: no batch size divides it evenly). */
export const DEMO_ITEMS = 10_946;
export const DEMO_BATCH_SIZE = 1_000;
/** Batches whose first attempt fails half-way (a flaky warehouse API), then succeed on retry. */
export const FLAKY_BATCHES = [3, 8];
export const DEMO_TASK = 'sync-inventory-batch';
export const DEMO_QUEUE = 'inventory';

export interface DemoOptions {
  /** Folder for the demo project (default `.lockstep/demo` under cwd). */
  dir?: string;
  /** PostgreSQL URL; default SQLite in the demo folder. */
  url?: string;
  devUrl?: string;
  /** Finish (exit code) once every job is final, instead of serving the dashboard until Ctrl-C. */
  exitWhenDone?: boolean;
  /** Dashboard port (default 4545, a free one when that is taken). */
  port?: number;
  /** Pause per 25-item chunk in the sync task, ms (default 60). */
  paceMs?: number;
  out: ProgressOutput;
  style: Style;
  /** Resolves when the user asks to stop (Ctrl-C). */
  stopSignal: Promise<unknown>;
}

export interface DemoResult {
  ok: boolean;
  counts: Record<string, number>;
  jobs: number;
  retried: number;
  itemsSynced: number;
  /** The recount job whose worker was killed half-way (step 5). */
  recount: RecountOutcome;
  dashboardUrl: string | undefined;
}

export interface RecountOutcome {
  ok: boolean;
  chunks: number;
  /** Chunks recorded before the kill: not run again. */
  doneBeforeKill: number;
  /** Chunks that ran twice (in flight when the worker was killed: at least once). */
  ranTwice: number;
}

const RECOUNT_CHUNK = 250;

/**
 * Step 5: a job of durable steps (`ctx.steps` over 44 chunks) whose worker is SIGKILLed
 * half-way. Its lease runs out, another worker rescues it, and it resumes at the first
 * chunk that was not recorded; the recount log shows which worker ran each chunk.
 */
async function killMidJob(c: { queue: Queue; db: Database; dir: string; url: string; workers: DemoWorker[]; paceMs: number; say: (text?: string) => void; style: Style }): Promise<RecountOutcome> {
  const chunks = Math.ceil(DEMO_ITEMS / RECOUNT_CHUNK);
  const [{ id }] = await c.queue.enqueueMany([{ task: 'recount-stock', payload: { items: DEMO_ITEMS, chunkSize: RECOUNT_CHUNK, paceMs: Math.max(c.paceMs, 40) }, options: { queue: DEMO_QUEUE, key: 'recount-stock' } }]);
  c.say(`   job ${id}: recount stock in ${chunks} chunks, each a durable step (ctx.steps)`);
  // Kill its worker once a third of the chunks are recorded (the worker writes progress every 500 ms).
  let job: JobRecord | null = null;
  for (const deadline = Date.now() + 60_000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 50))) {
    job = await c.queue.store.getJob(id);
    if (!job || FINISHED_STATES.includes(job.state) || (job.state === 'running' && (job.progress?.done ?? 0) >= chunks / 3)) break;
  }
  const victim = c.workers.find((w) => job?.workerId?.split(':')[1] === String(w.pid));
  if (!job || job.state !== 'running' || !victim) throw new LockstepError(`the recount job did not run half-way on a demo worker (state ${job?.state ?? 'missing'})`);
  victim.child.kill('SIGKILL');
  await victim.exited;
  const { rows: before } = await c.db.query<{ n: number | string }>('select count(*) as n from inventory_recount_log where worker_pid = $1', [victim.pid]);
  c.say(`   ${victim.name} (pid ${victim.pid}) killed with SIGKILL after ${Number(before[0]!.n)} of ${chunks} chunks: no shutdown, no hand-back`);
  const replacement = startDemoWorker({ name: 'worker-3', dir: c.dir, url: c.url, concurrency: 2 });
  c.workers.push(replacement);
  c.say(`   worker-3 started (pid ${replacement.pid}); the job's 5 s lease runs out and a live worker rescues it…`);
  const finished = await c.queue.waitFor(id, { timeoutMs: 90_000 });
  const { rows } = await c.db.query<{ chunk_no: number | string; runs: number | string; first_pid: number | string }>(
    'select chunk_no, count(*) as runs, min(worker_pid) as first_pid from inventory_recount_log group by chunk_no order by chunk_no',
  );
  const ranTwice = rows.filter((r) => Number(r.runs) > 1).length;
  const byVictim = rows.filter((r) => Number(r.runs) === 1 && Number(r.first_pid) === victim.pid).length;
  const resumedAt = rows.find((r) => Number(r.runs) > 1 || Number(r.first_pid) !== victim.pid);
  const ok = finished.state === 'succeeded' && rows.length === chunks && rows.every((r) => Number(r.runs) <= 2) && ranTwice <= 1 && byVictim > 0;
  c.say(
    `   ${finished.state === 'succeeded' ? c.style.green('succeeded') : c.style.red(finished.state)} on attempt ${finished.attempt}: resumed at chunk ${resumedAt ? Number(resumedAt.chunk_no) : '?'} of ${chunks}; ` +
      `the ${byVictim} chunks recorded before the kill did not run again, ${ranTwice} in flight at the kill ran twice (at least once)`,
  );
  return { ok, chunks, doneBeforeKill: byVictim, ranTwice };
}

/**
 * `lockstep demo`: an inventory-sync application end to end, on the embedded default.
 * Every step uses the public pieces a real project would: migrations, the queue, real
 * worker processes, the dashboard, `lint` and `check`.
 */
export async function runDemo(options: DemoOptions): Promise<DemoResult> {
  const { out, style } = options;
  const say = (text = '') => out.write(`${text}\n`);
  const step = (n: number, text: string) => say(`\n${style.bold(`${n}.`)} ${style.bold(text)}`);
  const dir = resolve(options.dir ?? '.lockstep/demo');
  const url = options.url ?? `sqlite:${join(dir, 'inventory.db')}`;
  const dialect = parseConnectionUrl(url).dialect;

  if (!options.url) rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  cpSync(demoFile('app/migrations'), join(dir, 'migrations'), { recursive: true });
  writeFileSync(
    join(dir, 'lockstep.config.json'),
    `${JSON.stringify({ url, ...(options.devUrl ? { devUrl: options.devUrl } : getDialect(dialect).scratchStartsServer ? { devUrl: url } : {}), migrations: 'migrations', src: demoFile('app', { preferSources: true }), health: { workers: { min: 2 } } }, null, 2)}\n`,
  );
  const config = loadConfig({ cwd: dir, env: {} });
  say(`${style.bold('lockstep demo')}: an inventory-sync app on ${style.cyan(redacted(url))}`);
  say(style.dim(`  project folder: ${dir}`));

  const db = await connect(url, { maxConnections: 4, applicationName: 'lockstep-demo' });
  let queue: Queue | undefined;
  let dashboard: RunningDashboard | undefined;
  const workers: DemoWorker[] = [];
  try {
    if (options.url) await ensureDemoDatabase(db);

    step(1, 'Apply the application\'s migrations');
    const migrations = readMigrationsFolder(config.migrations!);
    const outcome = await migrateUp(db, migrations);
    for (const m of migrations) say(`   ${style.green('applied')} ${m.version}_${m.name}`);
    if (!outcome.ok) throw outcome.error ?? new LockstepError('the demo migrations did not apply');
    await seed(db);
    say(`   seeded 3 warehouses and ${DEMO_ITEMS.toLocaleString('en-US')} inventory items`);

    step(2, 'Install the jobs tables and start two worker processes');
    queue = await createQueue({ db });
    await queue.install();
    for (const name of ['worker-1', 'worker-2']) {
      const w = startDemoWorker({ name, dir, url, concurrency: 2 });
      workers.push(w);
      say(`   ${name}: lockstep worker (pid ${w.pid}), log in ${w.log}`);
    }

    dashboard = await openDashboardNear(config, options.port);
    step(3, 'Dashboard');
    say(`   ${style.cyan(dashboard.url)}  ${style.dim('(live progress, job details, retry and cancel)')}`);

    step(4, `Enqueue a sync of ${DEMO_ITEMS.toLocaleString('en-US')} items in batches of ${DEMO_BATCH_SIZE.toLocaleString('en-US')}`);
    const paceMs = options.paceMs ?? 60;
    const items = [];
    for (let batch = 1, from = 1; from <= DEMO_ITEMS; batch++, from += DEMO_BATCH_SIZE) {
      const payload = { batch, fromId: from, toId: Math.min(from + DEMO_BATCH_SIZE - 1, DEMO_ITEMS), paceMs, ...(FLAKY_BATCHES.includes(batch) ? { flaky: true } : {}) };
      items.push({ task: DEMO_TASK, payload, options: { queue: DEMO_QUEUE, maxAttempts: 3, key: `inventory-sync:batch-${String(batch).padStart(2, '0')}` } });
    }
    // Enqueued by name through a queue that does not know the task, so the validator runs
    // only on the worker: this is the job whose payload "turns out invalid at run time".
    items.push({ task: DEMO_TASK, payload: { batch: 'twelve', fromId: -1, toId: 'all', paceMs }, options: { queue: DEMO_QUEUE, maxAttempts: 3, key: 'inventory-sync:bad-payload' } });
    await queue.enqueueMany(items);
    say(`   ${items.length} jobs: ${items.length - 1} batches (${FLAKY_BATCHES.map((b) => `batch ${b}`).join(' and ')} will fail once and retry) and one with an invalid payload`);
    say();

    const display = new ProgressDisplay(out, style);
    const final = await watchJobs(queue, display, workers, options.stopSignal);

    const counts: Record<string, number> = {};
    for (const job of final) counts[job.state] = (counts[job.state] ?? 0) + 1;
    const retried = final.filter((j) => j.state === 'succeeded' && j.attempt > 1).length;
    const { rows } = await db.query<{ n: number | string }>('select count(*) as n from inventory_items where synced_at is not null');
    const itemsSynced = Number(rows[0].n);
    const allFinal = final.every((j) => FINISHED_STATES.includes(j.state));
    const batchesOk = allFinal && counts.succeeded === items.length - 1 && counts.dead === 1 && itemsSynced === DEMO_ITEMS;
    say();
    say(`   ${style.bold('result:')} ${Object.entries(counts).map(([s, n]) => `${n} ${s}`).join(', ')}; ${retried} succeeded after a retry; ${itemsSynced.toLocaleString('en-US')} of ${DEMO_ITEMS.toLocaleString('en-US')} items synced`);

    step(5, 'Kill a worker in the middle of a job: its durable steps resume on another worker');
    const recount = await killMidJob({ queue, db, dir, url, workers, paceMs, say, style });

    step(6, 'A migration that drops a column the code still reads: lockstep lint');
    say(style.dim('   proposed: alter table inventory_items drop column bin_location;'));
    const proposed = readMigrationsFolder(demoFile('app/proposed'));
    const lint = await lintMigrations({
      dialect: getDialect(dialect),
      migrations: [...migrations, ...proposed],
      only: new Set(proposed.map((m) => m.version)),
      srcDir: config.src,
      devUrl: config.devUrl,
      cwd: dir,
    });
    say(indent(formatLintText(lint, style)));

    step(7, 'The database altered behind lockstep\'s back: lockstep check');
    say(style.dim('   someone runs: alter table inventory_items add column legacy_flag integer; drop index inventory_items_warehouse_idx;'));
    await db.exec('alter table inventory_items add column legacy_flag integer');
    await db.exec('drop index inventory_items_warehouse_idx');
    const check = await checkSchema({ config });
    say(indent(renderCheckText(check, style, { command: 'check' })));
    say(`   ${style.dim('The dashboard shows the same drift under Schema.')}`);

    if (!options.exitWhenDone) {
      say(`\n${style.bold('Dashboard:')} ${style.cyan(dashboard.url)}  ${style.dim('(Ctrl-C to stop)')}`);
      await options.stopSignal;
    }
    const ok = batchesOk && recount.ok;
    say(`\n${ok ? style.green('demo finished') : style.red('demo finished with unexpected results')}; stopping workers…`);
    return { ok, counts, jobs: final.length, retried, itemsSynced, recount, dashboardUrl: dashboard.url };
  } finally {
    await Promise.all(workers.map((w) => stopDemoWorker(w)));
    await dashboard?.close();
    await queue?.close();
    await db.close();
  }
}

/** Polls the demo's jobs until every one is final (or the user stops), drawing progress. */
async function watchJobs(queue: Queue, display: ProgressDisplay, workers: DemoWorker[], stop: Promise<unknown>): Promise<JobRecord[]> {
  let stopped = false;
  void stop.then(() => (stopped = true));
  for (;;) {
    const jobs = (await queue.store.listJobs({ queue: DEMO_QUEUE, limit: 100 })).sort((a, b) => a.id - b.id);
    display.update(jobs);
    if (jobs.length > 0 && jobs.every((j) => FINISHED_STATES.includes(j.state))) return jobs;
    if (stopped) return jobs;
    const dead = workers.filter((w) => w.child.exitCode !== null);
    if (dead.length === workers.length) {
      throw new LockstepError(`both demo workers exited before the jobs finished (exit codes ${dead.map((w) => w.child.exitCode).join(', ')})`, {
        hint: `See ${workers.map((w) => w.log).join(' and ')}.`,
      });
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Three warehouses and 10,946 items, inserted in a few multi-row statements. */
async function seed(db: Database): Promise<void> {
  await db.transaction(async (tx) => {
    await tx.query(`insert into warehouses (id, code, name) values (1, 'AMS-1', 'Amsterdam'), (2, 'LYS-2', 'Lyon'), (3, 'PHL-3', 'Philadelphia')`);
    for (let start = 1; start <= DEMO_ITEMS; start += 500) {
      const values: string[] = [];
      const params: unknown[] = [];
      for (let id = start; id < start + 500 && id <= DEMO_ITEMS; id++) {
        const p = params.length;
        values.push(`($${p + 1}, $${p + 2}, $${p + 3}, $${p + 4}, $${p + 5})`);
        params.push(id, `SKU-${String(id).padStart(5, '0')}`, (id % 3) + 1, (id * 7) % 50, id % 11 === 0 ? null : `${String.fromCharCode(65 + (id % 6))}-${id % 40}`);
      }
      await tx.query(`insert into inventory_items (id, sku, warehouse_id, quantity, bin_location) values ${values.join(', ')}`, params);
    }
  });
}

/** On a PostgreSQL URL the demo only runs on a database that holds nothing but (an earlier run of) itself. */
async function ensureDemoDatabase(db: Database): Promise<void> {
  const introspected = await getDialect(db.dialect).introspect(db);
  const own = new Set(['warehouses', 'inventory_items', 'inventory_sync_log', 'inventory_recount_log']);
  const foreign = introspected.tables.filter((t) => !own.has(t.name));
  if (foreign.length > 0) {
    throw new LockstepError(`the demo needs an empty database, but ${db.displayUrl} has tables (${foreign.slice(0, 5).map((t) => t.name).join(', ')})`, {
      hint: 'Create one for it (createdb lockstep_demo) and pass its URL.',
    });
  }
  if (introspected.tables.length > 0) {
    // An earlier demo run: start from scratch.
    await db.exec('drop table if exists inventory_recount_log; drop table if exists inventory_sync_log; drop table if exists inventory_items; drop table if exists warehouses; drop table if exists lockstep_migrations; drop schema if exists lockstep cascade');
  }
}

async function openDashboardNear(config: ReturnType<typeof loadConfig>, port: number | undefined): Promise<RunningDashboard> {
  try {
    return await openDashboard({ config, port: port ?? 4545 });
  } catch (error) {
    if (port === undefined && error instanceof LockstepError && /EADDRINUSE|address already in use/i.test(error.message)) return openDashboard({ config, port: 0 });
    throw error;
  }
}

function indent(text: string): string {
  return text
    .trimEnd()
    .split('\n')
    .map((line) => `   ${line}`)
    .join('\n');
}

function redacted(url: string): string {
  return url.replace(/\/\/([^:/@]+):[^@]*@/, '//$1:***@');
}
