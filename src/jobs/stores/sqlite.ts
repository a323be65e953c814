import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import BetterSqlite3 from 'better-sqlite3';
import { LockstepError } from '../../core/errors.js';
import type { Database, Queryable } from '../../dialects/database.js';
import type {
  ClaimedJob,
  Completion,
  EnqueuedJob,
  Failure,
  JobEvent,
  JobRecord,
  JobState,
  JobStore,
  JobStoreOptions,
  Lease,
  ListJobsFilter,
  NewJob,
  ProgressWrite,
  QueueStats,
  TransactionHandle,
  WorkerInfo,
  WorkerRegistration,
} from '../job-store.js';
import { rowToEvent, rowToJob } from '../job-rows.js';

/**
 * The jobs queue on SQLite: `lockstep_`-prefixed tables, times in epoch milliseconds.
 *
 * The store runs on a better-sqlite3 connection of its own and does every transaction
 * synchronously: an async transaction could yield to a task handler that writes through
 * another connection to the same file, and that handler would then wait on our write lock
 * while holding the only thread (a deadlock until the busy timeout). Claims take the write
 * lock up front (`BEGIN IMMEDIATE`) and last a few statements, so several worker
 * processes share one file in WAL mode.
 */

interface JobsMigration {
  version: number;
  name: string;
  sql: string;
}

export const SQLITE_JOBS_MIGRATIONS: JobsMigration[] = [
  {
    version: 1,
    name: 'jobs, job events, workers, cron ticks',
    sql: `
create table lockstep_jobs (
  id integer primary key autoincrement,
  task text not null,
  queue text not null default 'default',
  payload text not null default 'null',
  state text not null default 'queued' check (state in ('queued', 'running', 'succeeded', 'dead', 'cancelled')),
  priority integer not null default 0,
  run_at integer not null,
  attempt integer not null default 0,
  max_attempts integer not null default 5 check (max_attempts >= 1),
  key text,
  lease_token text,
  lease_expires_at integer,
  worker_id text,
  last_error text,
  progress_done real,
  progress_total real,
  progress_percent real,
  progress_eta_seconds real,
  progress_updated_at integer,
  progress_writes integer not null default 0,
  created_at integer not null,
  started_at integer,
  finished_at integer
);
create index lockstep_jobs_ready_idx on lockstep_jobs (priority desc, run_at, id) where state = 'queued';
create unique index lockstep_jobs_active_key_idx on lockstep_jobs (key) where key is not null and state in ('queued', 'running');
create index lockstep_jobs_lease_idx on lockstep_jobs (lease_expires_at) where state = 'running';
create index lockstep_jobs_finished_idx on lockstep_jobs (finished_at) where finished_at is not null;
create table lockstep_job_events (
  id integer primary key autoincrement,
  job_id integer not null references lockstep_jobs (id) on delete cascade,
  at integer not null,
  attempt integer not null,
  kind text not null,
  message text,
  worker_id text
);
create index lockstep_job_events_job_idx on lockstep_job_events (job_id, id);
create index lockstep_job_events_at_idx on lockstep_job_events (at);
create table lockstep_workers (
  id text primary key,
  hostname text not null,
  pid integer not null,
  queues text,
  tasks text not null,
  concurrency integer not null,
  started_at integer not null,
  heartbeat_at integer not null
);
create table lockstep_cron_ticks (
  task text not null,
  tick_at integer not null,
  job_id integer,
  created_at integer not null,
  primary key (task, tick_at)
);
`,
  },
];

const JOB_COLUMNS = `id, task, queue, payload, state, priority, attempt, max_attempts, key, run_at, created_at, started_at,
  finished_at, last_error, worker_id, lease_expires_at, progress_done, progress_total, progress_percent,
  progress_eta_seconds, progress_updated_at, progress_writes`;

/** In-process wake-ups: a worker in the same process as the enqueuer starts at once (other processes poll). */
const wakeups = new EventEmitter();
wakeups.setMaxListeners(0);


/**
 * @example
 * const store = createSqliteJobStore(db, { url: parseConnectionUrl('sqlite:./app.db') });
 * await store.install();
 */
export function createSqliteJobStore(db: Database, options: JobStoreOptions = {}): JobStore {
  const filename = options.url?.filename ?? filenameOf(db.displayUrl);
  const raw = rawHandleOf(db);
  if (!raw && filename === ':memory:') {
    throw new LockstepError('the jobs queue cannot share an in-memory SQLite database it did not open', {
      hint: 'Use a file (sqlite:./app.db): worker processes share the queue through the file.',
    });
  }
  return new SqliteJobStore(raw ?? openHandle(filename, options.busyTimeoutMs ?? 10_000), !raw, filename);
}

function filenameOf(displayUrl: string): string {
  return displayUrl.replace(/^sqlite:(\/\/)?/i, '');
}

/** The driver's own better-sqlite3 handle, when it exposes one (needed for `:memory:`). */
function rawHandleOf(db: Database): BetterSqlite3.Database | undefined {
  const candidate = (db as unknown as { raw?: unknown; sqlite?: unknown }).raw ?? (db as unknown as { sqlite?: unknown }).sqlite;
  return candidate && typeof (candidate as BetterSqlite3.Database).prepare === 'function' ? (candidate as BetterSqlite3.Database) : undefined;
}

function openHandle(filename: string, busyTimeoutMs: number): BetterSqlite3.Database {
  const handle = new BetterSqlite3(filename, { timeout: busyTimeoutMs });
  // WAL lets readers run beside the one writer, which is what several worker processes
  // on one file need; NORMAL sync is durable across process crashes (not power loss).
  handle.pragma('journal_mode = WAL');
  handle.pragma('synchronous = NORMAL');
  handle.pragma('foreign_keys = ON');
  return handle;
}

type Row = Record<string, unknown>;

class SqliteJobStore implements JobStore {
  readonly dialect = 'sqlite' as const;
  readonly jobsTable = 'lockstep_jobs';
  readonly defaultPollIntervalMs = 200;
  /** One connection of its own, plus the caller's. */
  readonly connectionBudget = 2;
  private statements = new Map<string, BetterSqlite3.Statement>();

  constructor(
    private readonly handle: BetterSqlite3.Database,
    private readonly ownsHandle: boolean,
    private readonly filename: string,
  ) {}

  private stmt(sql: string): BetterSqlite3.Statement {
    let s = this.statements.get(sql);
    if (!s) {
      s = this.handle.prepare(sql);
      this.statements.set(sql, s);
    }
    return s;
  }

  private all(sql: string, ...params: unknown[]): Row[] {
    return this.stmt(sql).all(...params) as Row[];
  }

  private get(sql: string, ...params: unknown[]): Row | undefined {
    return this.stmt(sql).get(...params) as Row | undefined;
  }

  private run(sql: string, ...params: unknown[]): number {
    return this.stmt(sql).run(...params).changes;
  }

  /** Runs `fn` in a `BEGIN IMMEDIATE` transaction, synchronously. */
  private write<T>(fn: () => T): T {
    return this.handle.transaction(fn).immediate();
  }

  private wake(): void {
    wakeups.emit(this.filename);
  }

  async install(): Promise<{ from: number; to: number }> {
    const result = this.write(() => {
      this.handle.exec(`create table if not exists lockstep_jobs_migrations (
        version integer primary key, name text not null, applied_at integer not null)`);
      const from = this.version();
      for (const migration of SQLITE_JOBS_MIGRATIONS) {
        if (migration.version <= from) continue;
        this.handle.exec(migration.sql);
        this.handle.prepare('insert into lockstep_jobs_migrations (version, name, applied_at) values (?, ?, ?)').run(migration.version, migration.name, Date.now());
      }
      return { from, to: Math.max(from, ...SQLITE_JOBS_MIGRATIONS.map((m) => m.version)) };
    });
    this.statements.clear();
    return result;
  }

  private version(): number {
    const row = this.handle.prepare('select max(version) as v from lockstep_jobs_migrations').get() as { v: number | null };
    return Number(row?.v ?? 0);
  }

  async installedVersion(): Promise<number> {
    const present = this.handle.prepare("select 1 from sqlite_master where type = 'table' and name = 'lockstep_jobs_migrations'").get();
    return present ? this.version() : 0;
  }

  async enqueue(jobs: NewJob[], tx?: TransactionHandle): Promise<EnqueuedJob[]> {
    if (jobs.length === 0) return [];
    let result: EnqueuedJob[];
    if (!tx) result = this.write(() => jobs.map((job) => this.insertSync(this.handle, job)));
    else if ('prepare' in tx && typeof tx.prepare === 'function') {
      // The caller's own better-sqlite3 connection, inside the transaction it opened.
      const handle = tx as unknown as BetterSqlite3.Database;
      result = jobs.map((job) => this.insertSync(handle, job));
    } else {
      result = [];
      for (const job of jobs) result.push(await insertAsync(tx as unknown as Queryable, job));
    }
    this.wake();
    return result;
  }

  private insertSync(handle: BetterSqlite3.Database, job: NewJob): EnqueuedJob {
    const now = Date.now();
    const prepare = (sql: string) => (handle === this.handle ? this.stmt(sql) : handle.prepare(sql));
    const inserted = prepare(INSERT_SQL_POSITIONAL).get(...insertParams(job, now)) as { id: number } | undefined;
    if (inserted) return { id: Number(inserted.id), created: true };
    const existing = prepare(EXISTING_SQL_POSITIONAL).get(job.key) as { id: number } | undefined;
    if (!existing) throw new LockstepError(`enqueue of key "${job.key}" raced with that job finishing`, { hint: 'Enqueue again.' });
    return { id: Number(existing.id), created: false };
  }

  async claim(args: { workerId: string; queues: string[] | null; tasks: string[]; limit: number; leaseMs: number }): Promise<ClaimedJob[]> {
    const now = Date.now();
    const tasks = JSON.stringify(args.tasks);
    const queues = args.queues ? JSON.stringify(args.queues) : null;
    const queueFilter = queues ? 'and queue in (select value from json_each(?))' : '';
    const readyFilter = `state = 'queued' and run_at <= ? and task in (select value from json_each(?)) ${queueFilter}`;
    const filterParams = queues ? [now, tasks, queues] : [now, tasks];
    // A plain read first: an idle poll must not take the write lock every time.
    if (!this.get(`select 1 as found from lockstep_jobs where ${readyFilter} limit 1`, ...filterParams)) return [];
    const token = randomUUID();
    const rows = this.write(() =>
      this.all(
        `update lockstep_jobs
         set state = 'running', attempt = attempt + 1, lease_token = ?, lease_expires_at = ?, worker_id = ?, started_at = ?,
             progress_done = null, progress_total = null, progress_percent = null, progress_eta_seconds = null,
             progress_updated_at = null, progress_writes = 0
         where id in (select id from lockstep_jobs where ${readyFilter} order by priority desc, run_at, id limit ?)
         returning id, task, queue, payload, attempt, max_attempts`,
        token,
        now + args.leaseMs,
        args.workerId,
        now,
        ...filterParams,
        args.limit,
      ),
    );
    return rows
      .map((r) => ({
        id: Number(r.id),
        task: String(r.task),
        queue: String(r.queue),
        payload: JSON.parse(String(r.payload)),
        attempt: Number(r.attempt),
        maxAttempts: Number(r.max_attempts),
        leaseToken: token,
      }))
      .sort((a, b) => a.id - b.id);
  }

  async heartbeat(args: { workerId: string; leases: Lease[]; leaseMs: number }): Promise<{ id: number; state: JobState | null }[]> {
    const now = Date.now();
    return this.write(() => {
      this.run('update lockstep_workers set heartbeat_at = ? where id = ?', now, args.workerId);
      const lost: { id: number; state: JobState | null }[] = [];
      for (const lease of args.leases) {
        const kept = this.run(
          "update lockstep_jobs set lease_expires_at = ? where id = ? and lease_token = ? and state = 'running'",
          now + args.leaseMs,
          lease.id,
          lease.token,
        );
        if (kept === 0) {
          const row = this.get('select state from lockstep_jobs where id = ?', lease.id);
          lost.push({ id: lease.id, state: (row?.state as JobState | undefined) ?? null });
        }
      }
      return lost;
    });
  }

  async complete(items: Completion[]): Promise<number[]> {
    if (items.length === 0) return [];
    const now = Date.now();
    return this.write(() => {
      const done: number[] = [];
      for (const item of items) {
        const p = item.progress;
        const changed = p
          ? this.run(
              `update lockstep_jobs set state = 'succeeded', finished_at = ?, lease_token = null, lease_expires_at = null,
                 progress_done = ?, progress_total = ?, progress_percent = ?, progress_eta_seconds = 0, progress_updated_at = ?
               where id = ? and lease_token = ? and state = 'running'`,
              now,
              p.done,
              p.total,
              p.percent,
              now,
              item.id,
              item.token,
            )
          : this.run(
              `update lockstep_jobs set state = 'succeeded', finished_at = ?, lease_token = null, lease_expires_at = null
               where id = ? and lease_token = ? and state = 'running'`,
              now,
              item.id,
              item.token,
            );
        if (changed > 0) done.push(item.id);
      }
      return done;
    });
  }

  async fail(f: Failure): Promise<boolean> {
    const now = Date.now();
    const dead = f.retryInMs === null;
    const ok = this.write(() => {
      const changed = this.run(
        `update lockstep_jobs
         set state = ?, run_at = case when ? then run_at else ? end, finished_at = ?, last_error = ?,
             lease_token = null, lease_expires_at = null,
             progress_done = coalesce(?, progress_done), progress_total = coalesce(?, progress_total),
             progress_percent = coalesce(?, progress_percent)
         where id = ? and lease_token = ? and state = 'running'`,
        dead ? 'dead' : 'queued',
        dead ? 1 : 0,
        now + (f.retryInMs ?? 0),
        dead ? now : null,
        f.error,
        f.progress?.done ?? null,
        f.progress?.total ?? null,
        f.progress?.percent ?? null,
        f.id,
        f.token,
      );
      if (changed === 0) return false;
      this.event(f.id, now, f.attempt, dead ? 'dead' : 'failed', f.error, f.workerId);
      return true;
    });
    if (ok && !dead) this.wake();
    return ok;
  }

  private event(jobId: number, at: number, attempt: number, kind: string, message: string | null, workerId: string | null): void {
    this.run('insert into lockstep_job_events (job_id, at, attempt, kind, message, worker_id) values (?, ?, ?, ?, ?, ?)', jobId, at, attempt, kind, message, workerId);
  }

  async release(leases: Lease[], workerId: string, reason: string): Promise<number> {
    if (leases.length === 0) return 0;
    const now = Date.now();
    const count = this.write(() => {
      let n = 0;
      for (const lease of leases) {
        const row = this.get(
          `update lockstep_jobs set state = 'queued', attempt = max(attempt - 1, 0), lease_token = null, lease_expires_at = null, run_at = ?
           where id = ? and lease_token = ? and state = 'running' returning attempt`,
          now,
          lease.id,
          lease.token,
        );
        if (!row) continue;
        n++;
        this.event(lease.id, now, Number(row.attempt) + 1, 'released', reason, workerId);
      }
      return n;
    });
    if (count > 0) this.wake();
    return count;
  }

  async saveProgress(items: ProgressWrite[]): Promise<void> {
    if (items.length === 0) return;
    const now = Date.now();
    this.write(() => {
      for (const { id, token, progress: p } of items) {
        this.run(
          `update lockstep_jobs set progress_done = ?, progress_total = ?, progress_percent = ?, progress_eta_seconds = ?,
             progress_updated_at = ?, progress_writes = progress_writes + 1
           where id = ? and lease_token = ? and state = 'running'`,
          p.done,
          p.total,
          p.percent,
          p.etaSeconds,
          now,
          id,
          token,
        );
      }
    });
  }

  async rescueExpired(workerId: string): Promise<number> {
    const now = Date.now();
    if (!this.get("select 1 as found from lockstep_jobs where state = 'running' and lease_expires_at < ? limit 1", now)) return 0;
    const count = this.write(() => {
      const rows = this.all(
        `update lockstep_jobs
         set state = case when attempt >= max_attempts then 'dead' else 'queued' end,
             finished_at = case when attempt >= max_attempts then ? else null end,
             last_error = 'lease expired: worker ' || coalesce(worker_id, '?') || ' stopped renewing it (crashed or lost its connection)',
             lease_token = null, lease_expires_at = null, run_at = ?
         where state = 'running' and lease_expires_at < ?
         returning id, attempt, state, last_error`,
        now,
        now,
        now,
      );
      for (const r of rows) this.event(Number(r.id), now, Number(r.attempt), r.state === 'dead' ? 'dead' : 'rescued', String(r.last_error), workerId);
      return rows.length;
    });
    if (count > 0) this.wake();
    return count;
  }

  async registerWorker(w: WorkerRegistration): Promise<void> {
    const now = Date.now();
    this.write(() =>
      this.run(
        `insert into lockstep_workers (id, hostname, pid, queues, tasks, concurrency, started_at, heartbeat_at) values (?, ?, ?, ?, ?, ?, ?, ?)
         on conflict (id) do update set heartbeat_at = excluded.heartbeat_at`,
        w.id,
        w.hostname,
        w.pid,
        w.queues ? JSON.stringify(w.queues) : null,
        JSON.stringify(w.tasks),
        w.concurrency,
        now,
        now,
      ),
    );
  }

  async unregisterWorker(id: string): Promise<void> {
    this.write(() => this.run('delete from lockstep_workers where id = ?', id));
  }

  async claimCronTick(task: string, tickAt: Date, job: NewJob): Promise<number | null> {
    const id = this.write(() => {
      const now = Date.now();
      const fresh = this.run('insert into lockstep_cron_ticks (task, tick_at, created_at) values (?, ?, ?) on conflict do nothing', task, tickAt.getTime(), now);
      if (fresh === 0) return null;
      const enqueued = this.insertSync(this.handle, job);
      this.run('update lockstep_cron_ticks set job_id = ? where task = ? and tick_at = ?', enqueued.id, task, tickAt.getTime());
      return enqueued.id;
    });
    if (id !== null) this.wake();
    return id;
  }

  async lastCronTick(task: string): Promise<Date | null> {
    const row = this.get('select max(tick_at) as t from lockstep_cron_ticks where task = ?', task);
    return row?.t === null || row?.t === undefined ? null : new Date(Number(row.t));
  }

  async maintain(): Promise<void> {}

  async prune(olderThanMs: number): Promise<number> {
    const cutoff = Date.now() - olderThanMs;
    let total = 0;
    for (;;) {
      const n = this.write(() =>
        this.run(
          `delete from lockstep_jobs where id in (
             select id from lockstep_jobs where finished_at < ? and state in ('succeeded', 'dead', 'cancelled') limit 5000)`,
          cutoff,
        ),
      );
      total += n;
      if (n < 5000) break;
    }
    this.write(() => {
      this.run('delete from lockstep_cron_ticks where tick_at < ?', cutoff);
      this.run('delete from lockstep_workers where heartbeat_at < ?', Date.now() - 86_400_000);
    });
    return total;
  }

  async getJob(id: number): Promise<JobRecord | null> {
    const row = this.get(`select ${JOB_COLUMNS} from lockstep_jobs where id = ?`, id);
    return row ? rowToJob(row, true) : null;
  }

  async jobEvents(id: number): Promise<JobEvent[]> {
    return this.all('select at, attempt, kind, message, worker_id from lockstep_job_events where job_id = ? order by id', id).map(rowToEvent);
  }

  async listJobs(filter: ListJobsFilter): Promise<JobRecord[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    if (filter.state) {
      where.push('state in (select value from json_each(?))');
      params.push(JSON.stringify(Array.isArray(filter.state) ? filter.state : [filter.state]));
    }
    if (filter.task) where.push('task = ?') && params.push(filter.task);
    if (filter.queue) where.push('queue = ?') && params.push(filter.queue);
    if (filter.search) {
      // A substring, not a LIKE pattern: `%` and `_` in the search are literal characters.
      where.push('(cast(id as text) = ? or instr(lower(key), lower(?)) > 0 or instr(lower(task), lower(?)) > 0)');
      params.push(filter.search, filter.search, filter.search);
    }
    params.push(filter.limit ?? 100, filter.offset ?? 0);
    const rows = this.handle
      .prepare(`select ${JOB_COLUMNS} from lockstep_jobs ${where.length ? `where ${where.join(' and ')}` : ''} order by id desc limit ? offset ?`)
      .all(...params) as Row[];
    return rows.map((r) => rowToJob(r, true));
  }

  async retryJob(id: number): Promise<JobRecord | null> {
    const now = Date.now();
    const row = this.write(() => {
      const r = this.get(
        `update lockstep_jobs set state = 'queued', run_at = ?, attempt = 0, finished_at = null, lease_token = null, lease_expires_at = null
         where id = ? and state in ('dead', 'cancelled', 'queued') returning ${JOB_COLUMNS}`,
        now,
        id,
      );
      if (r) this.event(id, now, 0, 'retried', 'retried by hand', null);
      return r;
    });
    if (row) this.wake();
    return row ? rowToJob(row, true) : null;
  }

  async cancelJob(id: number): Promise<JobRecord | null> {
    const now = Date.now();
    const row = this.write(() => {
      const r = this.get(
        `update lockstep_jobs set state = 'cancelled', finished_at = ?, lease_token = null, lease_expires_at = null
         where id = ? and state in ('queued', 'running') returning ${JOB_COLUMNS}`,
        now,
        id,
      );
      if (r) this.event(id, now, Number(r.attempt), 'cancelled', 'cancelled by hand', (r.worker_id as string | null) ?? null);
      return r;
    });
    return row ? rowToJob(row, true) : null;
  }

  async stats(): Promise<QueueStats> {
    const now = Date.now();
    const counts = this.all('select queue, state, count(*) as count from lockstep_jobs group by queue, state order by queue, state');
    const s = this.get(
      `select
         (select ? - min(run_at) from lockstep_jobs where state = 'queued' and run_at <= ?) as oldest,
         (select count(*) from lockstep_jobs where state = 'running' and lease_expires_at < ?) as expired,
         (select count(*) from lockstep_jobs where state = 'dead' and finished_at > ?) as dead_hour,
         (select count(*) from lockstep_jobs where state = 'succeeded' and finished_at > ?) as ok_min,
         (select count(*) from lockstep_jobs where state = 'dead' and finished_at > ?) as dead_min,
         (select count(*) from lockstep_jobs where state = 'cancelled' and finished_at > ?) as cancel_min,
         (select count(*) from lockstep_job_events where kind in ('failed', 'dead') and at > ?) as fail_min`,
      now,
      now,
      now,
      now - 3_600_000,
      now - 60_000,
      now - 60_000,
      now - 60_000,
      now - 60_000,
    )!;
    return {
      counts: counts.map((r) => ({ queue: String(r.queue), state: r.state as JobState, count: Number(r.count) })),
      oldestReadyAgeMs: s.oldest === null ? null : Math.max(0, Number(s.oldest)),
      expiredLeases: Number(s.expired),
      deadLastHour: Number(s.dead_hour),
      finishedLastMinute: { succeeded: Number(s.ok_min), dead: Number(s.dead_min), cancelled: Number(s.cancel_min) },
      failuresLastMinute: Number(s.fail_min),
    };
  }

  async workers(): Promise<WorkerInfo[]> {
    const now = Date.now();
    const rows = this.all(
      `select w.*, (select count(*) from lockstep_jobs j where j.state = 'running' and j.worker_id = w.id) as running
       from lockstep_workers w order by w.started_at, w.id`,
    );
    return rows.map((r) => ({
      id: String(r.id),
      hostname: String(r.hostname),
      pid: Number(r.pid),
      queues: r.queues === null ? null : (JSON.parse(String(r.queues)) as string[]),
      tasks: JSON.parse(String(r.tasks)) as string[],
      concurrency: Number(r.concurrency),
      startedAt: new Date(Number(r.started_at)),
      heartbeatAt: new Date(Number(r.heartbeat_at)),
      heartbeatAgeMs: Math.max(0, now - Number(r.heartbeat_at)),
      runningJobs: Number(r.running),
    }));
  }

  async listen(onWake: (event: 'jobs' | 'cancel') => void): Promise<() => Promise<void>> {
    const handler = () => onWake('jobs');
    wakeups.on(this.filename, handler);
    return async () => {
      wakeups.off(this.filename, handler);
    };
  }

  async close(): Promise<void> {
    this.statements.clear();
    if (this.ownsHandle && this.handle.open) this.handle.close();
  }
}

const INSERT_SQL = `insert into lockstep_jobs (task, queue, payload, key, run_at, priority, max_attempts, created_at)
  values ($1, $2, $3, $4, $5, $6, $7, $8)
  on conflict do nothing
  returning id`;
const EXISTING_SQL = `select id from lockstep_jobs where key = $1 and state in ('queued', 'running')`;
// better-sqlite3 binds `?` by position; lockstep's Queryable takes `$n`.
const INSERT_SQL_POSITIONAL = INSERT_SQL.replace(/\$\d+/g, '?');
const EXISTING_SQL_POSITIONAL = EXISTING_SQL.replace(/\$\d+/g, '?');

function insertParams(job: NewJob, now: number): unknown[] {
  return [
    job.task,
    job.queue,
    JSON.stringify(job.payload === undefined ? null : job.payload),
    job.key,
    job.runAt ? job.runAt.getTime() : now,
    job.priority,
    job.maxAttempts,
    now,
  ];
}

async function insertAsync(tx: Queryable, job: NewJob): Promise<EnqueuedJob> {
  if (typeof (tx as Partial<Queryable>).query !== 'function') {
    throw new LockstepError('enqueue inside a transaction on SQLite needs a better-sqlite3 Database or a lockstep Queryable', {
      hint: 'Pass the connection your transaction runs on: { tx: db }.',
    });
  }
  const inserted = await tx.query<{ id: number }>(INSERT_SQL, insertParams(job, Date.now()));
  if (inserted.rows[0]) return { id: Number(inserted.rows[0].id), created: true };
  const existing = await tx.query<{ id: number }>(EXISTING_SQL, [job.key]);
  if (!existing.rows[0]) throw new LockstepError(`enqueue of key "${job.key}" raced with that job finishing`, { hint: 'Enqueue again.' });
  return { id: Number(existing.rows[0].id), created: false };
}
