// npm run bench:jobs: lockstep vs graphile-worker vs pg-boss on the same PostgreSQL, same
// number of no-op jobs, same concurrency; then enqueue-to-start latency at low load, and
// lockstep on SQLite.
//
//   BENCH_JOBS=50000 BENCH_CONCURRENCY=10 BENCH_PG_URL=postgres://postgres@127.0.0.1:5432/test npm run bench:jobs
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Logger as GraphileLogger, makeWorkerUtils, run as runGraphile } from 'graphile-worker';
import pg from 'pg';
import PgBoss from 'pg-boss';
import { createQueue, runWorker, silentLogger, task } from '../src/jobs/index.js';

const JOBS = Number(process.env.BENCH_JOBS ?? 50_000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 10);
const LATENCY_SAMPLES = Number(process.env.BENCH_LATENCY_SAMPLES ?? 200);
/** BENCH_ONLY=lockstep,pg-boss: only these systems (for profiling one). */
const ONLY = process.env.BENCH_ONLY?.split(',');
const SERVER = process.env.BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

interface System {
  name: string;
  /** Enqueues `n` jobs (batched), returns when they are committed. */
  enqueue(n: number): Promise<void>;
  /** Starts workers; `onStart` is called at the start of every job. */
  start(onStart: () => void): Promise<void>;
  /** Enqueues one job as an application would (for latency). */
  enqueueOne(): Promise<void>;
  stop(): Promise<void>;
}

async function freshDatabase(name: string): Promise<string> {
  const admin = new pg.Client({ connectionString: SERVER });
  await admin.connect();
  await admin.query(`drop database if exists "${name}" with (force)`);
  await admin.query(`create database "${name}"`);
  await admin.end();
  const url = new URL(SERVER);
  url.pathname = `/${name}`;
  return url.toString();
}

async function dropDatabase(name: string): Promise<void> {
  const admin = new pg.Client({ connectionString: SERVER });
  await admin.connect();
  await admin.query(`drop database if exists "${name}" with (force)`);
  await admin.end();
}

/** Fresh tables have no statistics; give every system the same start. */
async function analyze(url: string): Promise<void> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  await c.query('analyze');
  await c.end();
}

/** lockstep at its defaults, or with `prefetch` (jobs claimed ahead into a local buffer, like graphile-worker's local queue). */
function lockstepSystem(url: string, name = 'lockstep', prefetch = 0): System {
  let onStart = () => {};
  const noop = task('noop', { run: () => onStart() });
  let queue: Awaited<ReturnType<typeof createQueue>>;
  let worker: Awaited<ReturnType<typeof runWorker>> | undefined;
  return {
    name,
    async enqueue(n) {
      queue ??= await createQueue({ url, maxConnections: 2 });
      await queue.install();
      for (let i = 0; i < n; i += 5000) await queue.enqueueMany(Array.from({ length: Math.min(5000, n - i) }, () => ({ task: noop })));
    },
    async start(fn) {
      onStart = fn;
      worker = await runWorker({ url, tasks: [noop], concurrency: CONCURRENCY, prefetch, logger: silentLogger, retentionMs: 0 });
    },
    enqueueOne: async () => void (await queue.enqueue(noop)),
    async stop() {
      await worker?.stop();
      await queue.close();
    },
  };
}

const quietGraphileLogger = () => new GraphileLogger(() => () => {});

/**
 * graphile-worker at its default (each concurrency slot fetches its own job), or in the
 * fastest configuration of its performance documentation (worker.graphile.org/docs/performance):
 * a local queue that fetches jobs in batches, and batched completions and failures.
 */
function graphileSystem(url: string, fastest = false): System {
  let onStart = () => {};
  let runner: Awaited<ReturnType<typeof runGraphile>> | undefined;
  let utils: Awaited<ReturnType<typeof makeWorkerUtils>>;
  // Our own pool, so its idle connections are closed before the database is dropped.
  const pool = new pg.Pool({ connectionString: url, max: CONCURRENCY + 2 });
  pool.on('error', () => {});
  return {
    name: fastest ? 'graphile-worker (fastest)' : 'graphile-worker',
    async enqueue(n) {
      utils ??= await makeWorkerUtils({ pgPool: pool, logger: quietGraphileLogger() });
      await utils.migrate();
      for (let i = 0; i < n; i += 5000) await utils.addJobs(Array.from({ length: Math.min(5000, n - i) }, () => ({ identifier: 'noop', payload: {} })));
    },
    async start(fn) {
      onStart = fn;
      runner = await runGraphile({
        pgPool: pool,
        concurrency: CONCURRENCY,
        noHandleSignals: true,
        pollInterval: 1000,
        taskList: { noop: async () => onStart() },
        logger: quietGraphileLogger(),
        ...(fastest ? { preset: { worker: { localQueue: { size: 500 }, completeJobBatchDelay: 0, failJobBatchDelay: 0 } } } : {}),
      });
    },
    enqueueOne: async () => void (await utils.addJob('noop', {})),
    async stop() {
      await runner?.stop();
      await utils.release();
      await pool.end();
    },
  };
}

function pgBossSystem(url: string): System {
  let onStart = () => {};
  const boss = new PgBoss({ connectionString: url, max: 5 });
  boss.on('error', () => {});
  let started = false;
  return {
    name: 'pg-boss',
    async enqueue(n) {
      if (!started) {
        await boss.start();
        await boss.createQueue('noop');
        started = true;
      }
      for (let i = 0; i < n; i += 5000) await boss.insert(Array.from({ length: Math.min(5000, n - i) }, () => ({ name: 'noop', data: {} })));
    },
    async start(fn) {
      onStart = fn;
      // pg-boss v10's concurrency model: one fetch of up to CONCURRENCY jobs, run together.
      // Left alone it then sleeps out its polling interval (0.5 s at least), which caps it
      // at 2 batches a second; waking it after every batch with its own notifyWorker is
      // the fastest it goes at this concurrency, so that is what it is measured at.
      const id: string = await boss.work('noop', { batchSize: CONCURRENCY, pollingIntervalSeconds: 0.5 }, async (jobs) => {
        for (const _ of jobs) onStart();
        if (jobs.length === CONCURRENCY) boss.notifyWorker(id);
      });
    },
    enqueueOne: async () => void (await boss.send('noop', {})),
    stop: () => boss.stop({ graceful: false, wait: true }),
  };
}

async function throughput(system: System, url: string | undefined): Promise<number> {
  await system.enqueue(JOBS);
  if (url) await analyze(url);
  let done = 0;
  let resolveAll!: () => void;
  const all = new Promise<void>((r) => (resolveAll = r));
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  await system.start(() => {
    if (++done === JOBS) resolveAll();
  });
  await all;
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  // The worker's own CPU (this process), per 1,000 jobs: what the client side costs.
  console.log(`  ${system.name}: ${(((cpu.user + cpu.system) / 1000 / JOBS) * 1000).toFixed(0)} ms of this process's CPU per 1,000 jobs`);
  return JOBS / seconds;
}

async function bench(name: string, make: (url: string) => System): Promise<{ rate: number; p50: number; p99: number }> {
  const db = `lockstep_bench_${name.replace(/\W/g, '_')}`;
  const url = await freshDatabase(db);
  const system = make(url);
  let probe: () => void = () => {};
  const wrapped: System = { ...system, start: (fn) => system.start(() => (fn(), probe())) };
  try {
    const rate = await throughput({ ...wrapped }, url);
    let resolveStart: (() => void) | undefined;
    probe = () => resolveStart?.();
    const samples: number[] = [];
    for (let i = 0; i < LATENCY_SAMPLES; i++) {
      const started = new Promise<void>((r) => (resolveStart = r));
      const t0 = performance.now();
      await system.enqueueOne();
      await started;
      samples.push(performance.now() - t0);
      await new Promise((r) => setTimeout(r, 5));
    }
    samples.sort((a, b) => a - b);
    const at = (q: number) => samples[Math.min(samples.length - 1, Math.floor(q * samples.length))];
    return { rate, p50: at(0.5), p99: at(0.99) };
  } finally {
    await system.stop();
    await dropDatabase(db);
  }
}

const fmt = (n: number) => n.toFixed(n >= 100 ? 0 : 1);

/**
 * Steps overhead: the same no-op jobs run to their end, with no step and with 10 durable
 * steps each (`ctx.step`), on PostgreSQL: jobs/s of both and their ratio.
 */
async function stepsOverhead(): Promise<void> {
  const n = Math.max(1000, Math.floor(JOBS / 10));
  const rates: number[] = [];
  for (const steps of [0, 10]) {
    const db = await freshDatabase(`lockstep_bench_steps_${steps}`);
    let done = 0;
    let resolveAll!: () => void;
    const all = new Promise<void>((r) => (resolveAll = r));
    const finish = () => {
      if (++done === n) resolveAll();
    };
    const work = task('work', {
      run: async (_p: unknown, ctx) => {
        for (let i = 0; i < steps; i++) await ctx.step(`s${i}`, () => i);
        finish();
      },
    });
    const queue = await createQueue({ url: db, maxConnections: 2 });
    await queue.install();
    for (let i = 0; i < n; i += 5000) await queue.enqueueMany(Array.from({ length: Math.min(5000, n - i) }, () => ({ task: work })));
    await analyze(db);
    const t0 = performance.now();
    const worker = await runWorker({ url: db, tasks: [work], concurrency: CONCURRENCY, logger: silentLogger, retentionMs: 0 });
    await all;
    rates.push(n / ((performance.now() - t0) / 1000));
    await worker.stop();
    await queue.close();
    await dropDatabase(`lockstep_bench_steps_${steps}`);
  }
  console.log(`steps overhead (${n} jobs run to their end): no steps ${fmt(rates[0]!)} jobs/s, 10 steps each ${fmt(rates[1]!)} jobs/s (${(rates[1]! / rates[0]!).toFixed(2)}x)`);
}
console.log(`# jobs benchmark: ${JOBS} no-op jobs, concurrency ${CONCURRENCY}, ${cpus().length} cores (load average ${loadavg()[0]!.toFixed(1)}), PostgreSQL ${SERVER.replace(/:[^:@/]*@/, ':***@')}`);
const results: Record<string, { rate: number; p50: number; p99: number }> = {};
for (const [name, make] of [
  ['lockstep', (u: string) => lockstepSystem(u)],
  ['lockstep (prefetch 500)', (u: string) => lockstepSystem(u, 'lockstep (prefetch 500)', 500)],
  ['graphile-worker', (u: string) => graphileSystem(u)],
  ['graphile-worker (fastest)', (u: string) => graphileSystem(u, true)],
  ['pg-boss', pgBossSystem],
] as const) {
  if (ONLY && !ONLY.includes(name)) continue;
  const r = await bench(name, make);
  results[name] = r;
  console.log(`${name.padEnd(16)} ${fmt(r.rate).padStart(7)} jobs/s   enqueue-to-start p50 ${r.p50.toFixed(1)} ms, p99 ${r.p99.toFixed(1)} ms`);
}
const ratio = (a: string, b: string, label: string) => {
  if (results[a] && results[b]) console.log(`${label.padEnd(58)} ${(results[a].rate / results[b].rate).toFixed(2)}x`);
};
ratio('lockstep', 'graphile-worker', 'lockstep / graphile-worker (defaults):');
ratio('lockstep (prefetch 500)', 'graphile-worker (fastest)', 'lockstep (prefetch 500) / graphile-worker (fastest):');
ratio('lockstep', 'pg-boss', 'lockstep / pg-boss:');
if (!ONLY || ONLY.includes('steps')) await stepsOverhead();

const dir = mkdtempSync(join(tmpdir(), 'lockstep-bench-'));
try {
  const system = lockstepSystem(`sqlite:${join(dir, 'bench.db')}`, 'lockstep (SQLite)');
  const rate = await throughput(system, undefined);
  await system.stop();
  console.log(`lockstep on SQLite: ${fmt(rate)} jobs/s`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
process.exit(0);
