import type { ListJobsFilter, StepWrite } from '../job-store.js';
import { FAR_FUTURE, flowJson, jobColumns, type JobPlans, type JobsMigration, likeContains, sqlParams as params, shownState } from './job-plans.js';

/**
 * The jobs queue on SQLite: `lockstep_`-prefixed tables, times in epoch milliseconds,
 * batches passed as one JSON parameter (`json_each`). Each plan is one statement, so
 * each is atomic without an explicit transaction, and a claim takes the write lock only
 * for its single UPDATE.
 */
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
  {
    version: 2,
    name: 'queue statistics cache; flow control keys and rate log, paused queues, queue history, attempts',
    sql: `
create table lockstep_queue_stats (
  id integer primary key check (id = 1),
  computed_at integer not null,
  stats text not null
);
alter table lockstep_jobs add column concurrency_key text;
alter table lockstep_jobs add column rate_key text;
create table lockstep_job_rate_log (
  task text not null,
  key text,
  at integer not null
);
create index lockstep_job_rate_log_idx on lockstep_job_rate_log (task, at);
create table lockstep_job_queues (
  queue text primary key,
  paused_at integer not null
);
create table lockstep_job_history (
  queue text not null,
  minute integer not null,
  succeeded integer not null default 0,
  failed integer not null default 0,
  dead integer not null default 0,
  primary key (queue, minute)
);
create table lockstep_job_attempts (
  id integer primary key autoincrement,
  job_id integer not null references lockstep_jobs (id) on delete cascade,
  attempt integer not null,
  started_at integer not null,
  ended_at integer,
  outcome text not null,
  error text,
  worker_id text
);
create index lockstep_job_attempts_job_idx on lockstep_job_attempts (job_id, started_at);
`,
  },
  {
    version: 3,
    name: 'job results, logs, durable steps, waiting jobs and children',
    // Issue 12 (results, steps, waiting).
    sql: `
alter table lockstep_jobs add column result text;
alter table lockstep_jobs add column parent_id integer;
alter table lockstep_jobs add column wait_kind text check (wait_kind in ('sleep', 'event', 'children'));
create index lockstep_jobs_parent_idx on lockstep_jobs (parent_id) where parent_id is not null;
create table lockstep_job_steps (
  job_id integer not null references lockstep_jobs (id) on delete cascade,
  name text not null,
  attempt integer not null,
  status text not null check (status in ('done', 'waiting')),
  result text,
  wait text,
  event text,
  started_at integer not null,
  finished_at integer,
  primary key (job_id, name)
);
create index lockstep_job_steps_event_idx on lockstep_job_steps (event) where status = 'waiting' and event is not null;
create table lockstep_job_logs (
  id integer primary key autoincrement,
  job_id integer not null references lockstep_jobs (id) on delete cascade,
  attempt integer not null,
  at integer not null,
  level text not null,
  message text not null
);
create index lockstep_job_logs_job_idx on lockstep_job_logs (job_id, id);
`,
  },
];

/** Now in epoch ms by SQLite's own clock, for the shown state of reads that take no `now`. */
const NOW_MS = `(cast(round((julianday('now') - 2440587.5) * 86400000) as integer))`;
const COLUMNS = jobColumns(NOW_MS);
const SHOWN_STATE = shownState(NOW_MS);

/** Skips jobs of paused queues; joined into every claim. */
const NOT_PAUSED = 'queue not in (select queue from lockstep_job_queues)';

/** The WHERE of listing, counting and bulk actions. */
function jobWhere(filter: ListJobsFilter, param: (value: unknown) => string): string {
  const where: string[] = [];
  if (filter.ids) where.push(`id in (select value from json_each(${param(json(filter.ids))}))`);
  if (filter.state) where.push(`${SHOWN_STATE} in (select value from json_each(${param(json(Array.isArray(filter.state) ? filter.state : [filter.state]))}))`);
  if (filter.task) where.push(`task = ${param(filter.task)}`);
  if (filter.queue) where.push(`queue = ${param(filter.queue)}`);
  if (filter.search) {
    const exact = param(filter.search);
    const like = param(likeContains(filter.search));
    where.push(`(cast(id as text) = ${exact} or key like ${like} escape '\\' or task like ${like} escape '\\' or payload like ${like} escape '\\')`);
  }
  return where.length ? `where ${where.join(' and ')}` : '';
}


const json = (value: unknown) => JSON.stringify(value);

function readyFilter(args: { queues: string[] | null; tasks: string[] }, now: number, first: number): { sql: string; params: unknown[] } {
  const params: unknown[] = [now, json(args.tasks)];
  let sql = `state = 'queued' and run_at <= $${first} and task in (select value from json_each($${first + 1})) and ${NOT_PAUSED}`;
  if (args.queues) {
    params.push(json(args.queues));
    sql += ` and queue in (select value from json_each($${first + 2}))`;
  }
  return { sql, params };
}

export const sqlitePlans: JobPlans = {
  dialect: 'sqlite',
  jobsTable: 'lockstep_jobs',
  defaultPollIntervalMs: 200,
  jsonAsText: true,
  extraConnections: 0,
  // One connection: SQLite has one writer, and `:memory:` is one database per connection.
  poolSize: () => 1,
  wakesOtherProcesses: false,
  enqueueNotifies: false,
  migrations: SQLITE_JOBS_MIGRATIONS,
  installLock: null,
  createHistory: `create table if not exists lockstep_jobs_migrations (version integer primary key, name text not null, applied_at integer not null)`,
  historyPresent: `select count(*) as present from sqlite_master where type = 'table' and name = 'lockstep_jobs_migrations'`,
  installedVersion: 'select max(version) as v from lockstep_jobs_migrations',
  recordMigration: (m, now) => ({ sql: 'insert into lockstep_jobs_migrations (version, name, applied_at) values ($1, $2, $3)', params: [m.version, m.name, now] }),

  enqueue: (jobs, now) => ({
    // `where true` keeps SQLite from reading ON CONFLICT as a join constraint.
    sql: `insert into lockstep_jobs (task, queue, payload, key, run_at, priority, max_attempts, created_at, parent_id, concurrency_key, rate_key)
      select j.value ->> 'task', j.value ->> 'queue', j.value ->> 'payload', j.value ->> 'key',
             coalesce(j.value ->> 'run_at', $2), j.value ->> 'priority', j.value ->> 'max_attempts', $2, j.value ->> 'parent_id',
             j.value ->> 'concurrency_key', j.value ->> 'rate_key'
      from json_each($1) j where true order by j.key
      on conflict do nothing
      returning id, key`,
    params: [
      json(jobs.map((j) => ({ task: j.task, queue: j.queue, payload: json(j.payload === undefined ? null : j.payload), key: j.key, run_at: j.runAt ? j.runAt.getTime() : null, priority: j.priority, max_attempts: j.maxAttempts, parent_id: j.parentId ?? null, concurrency_key: j.concurrencyKey ?? null, rate_key: j.rateKey ?? null }))),
      now,
    ],
  }),
  existingKeys: (keys) => ({ sql: `select id, key from lockstep_jobs where key in (select value from json_each($1)) and state in ('queued', 'running')`, params: [json(keys)] }),
  readyProbe: (args, now) => {
    const filter = readyFilter(args, now, 1);
    return { sql: `select 1 as found from lockstep_jobs where ${filter.sql} limit 1`, params: filter.params };
  },
  claim: (args, token, now) => {
    const filter = readyFilter(args, now, 6);
    return {
      sql: `update lockstep_jobs
        set state = 'running', attempt = attempt + 1, lease_token = $1, lease_expires_at = $2, worker_id = $3, started_at = $4,
            progress_done = null, progress_total = null, progress_percent = null, progress_eta_seconds = null,
            progress_updated_at = null, progress_writes = 0
        where id in (select id from lockstep_jobs where ${filter.sql} order by priority desc, run_at, id limit $5)
        returning id, task, queue, payload, attempt, max_attempts`,
      params: [token, now + args.leaseMs, args.workerId, now, args.limit, ...filter.params],
    };
  },
  renewLeases: (leases, leaseMs, now) => ({
    sql: `update lockstep_jobs set lease_expires_at = $1
      from json_each($2) l
      where lockstep_jobs.id = l.value ->> 'id' and lockstep_jobs.lease_token = l.value ->> 'token' and lockstep_jobs.state = 'running'
      returning lockstep_jobs.id`,
    params: [now + leaseMs, json(leases)],
  }),
  touchWorker: (workerId, now) => ({ sql: 'update lockstep_workers set heartbeat_at = $1 where id = $2', params: [now, workerId] }),
  jobStates: (ids) => ({ sql: 'select id, state from lockstep_jobs where id in (select value from json_each($1))', params: [json(ids)] }),
  complete: (items, now) => ({
    sql: `update lockstep_jobs
      set state = 'succeeded', finished_at = $1, lease_token = null, lease_expires_at = null, result = c.value ->> 'result',
          progress_done = coalesce(c.value ->> 'done', progress_done), progress_total = coalesce(c.value ->> 'total', progress_total),
          progress_percent = coalesce(c.value ->> 'percent', progress_percent),
          progress_eta_seconds = case when c.value ->> 'done' is null then progress_eta_seconds else 0 end,
          progress_updated_at = case when c.value ->> 'done' is null then progress_updated_at else $1 end
      from json_each($2) c
      where lockstep_jobs.id = c.value ->> 'id' and lockstep_jobs.lease_token = c.value ->> 'token' and lockstep_jobs.state = 'running'
      returning lockstep_jobs.id, lockstep_jobs.parent_id, lockstep_jobs.queue, lockstep_jobs.task`,
    params: [now, json(items.map((i) => ({ id: i.id, token: i.token, done: i.progress?.done ?? null, total: i.progress?.total ?? null, percent: i.progress?.percent ?? null, result: json(i.result ?? null) })))],
  }),
  completed: (rows, items) => {
    // One row per job marked succeeded (SQLite cannot aggregate what an UPDATE returns).
    const written = new Set<number>();
    const counts = new Map<string, { queue: string; task: string; n: number }>();
    const parents = new Set<number>();
    for (const r of rows) {
      written.add(Number(r.id));
      const key = `${r.queue}\u0000${r.task}`;
      const count = counts.get(key);
      if (count) count.n++;
      else counts.set(key, { queue: String(r.queue), task: String(r.task), n: 1 });
      if (r.parent_id !== null && r.parent_id !== undefined) parents.add(Number(r.parent_id));
    }
    return { lost: items.filter((i) => !written.has(i.id)).map((i) => i.id), counts: [...counts.values()], parents: [...parents] };
  },
  fail: (f, now) => {
    const dead = f.retryInMs === null;
    return {
      sql: `update lockstep_jobs
        set state = $1, run_at = case when $2 then run_at else $3 end, finished_at = $4, last_error = $5,
            lease_token = null, lease_expires_at = null, wait_kind = null,
            progress_done = coalesce($6, progress_done), progress_total = coalesce($7, progress_total),
            progress_percent = coalesce($8, progress_percent)
        where id = $9 and lease_token = $10 and state = 'running'
        returning id, state, queue, task, started_at`,
      params: [dead ? 'dead' : 'queued', dead ? 1 : 0, now + (f.retryInMs ?? 0), dead ? now : null, f.error, f.progress?.done ?? null, f.progress?.total ?? null, f.progress?.percent ?? null, f.id, f.token],
    };
  },
  release: (leases) => ({
    sql: `update lockstep_jobs set state = 'queued', attempt = max(attempt - 1, 0), lease_token = null, lease_expires_at = null
      from json_each($1) l
      where lockstep_jobs.id = l.value ->> 'id' and lockstep_jobs.lease_token = l.value ->> 'token' and lockstep_jobs.state = 'running'
      returning lockstep_jobs.id, lockstep_jobs.attempt, lockstep_jobs.started_at`,
    params: [json(leases)],
  }),
  saveProgress: (items, now) => ({
    sql: `update lockstep_jobs
      set progress_done = p.value ->> 'done', progress_total = p.value ->> 'total', progress_percent = p.value ->> 'percent',
          progress_eta_seconds = p.value ->> 'eta', progress_updated_at = $1, progress_writes = progress_writes + 1
      from json_each($2) p
      where lockstep_jobs.id = p.value ->> 'id' and lockstep_jobs.lease_token = p.value ->> 'token' and lockstep_jobs.state = 'running'`,
    params: [now, json(items.map((i) => ({ id: i.id, token: i.token, done: i.progress.done, total: i.progress.total, percent: i.progress.percent, eta: i.progress.etaSeconds })))],
  }),
  expiredProbe: (now) => ({ sql: "select 1 as found from lockstep_jobs where state = 'running' and lease_expires_at < $1 limit 1", params: [now] }),
  rescueExpired: (now) => ({
    sql: `update lockstep_jobs
      set state = case when attempt >= max_attempts then 'dead' else 'queued' end,
          finished_at = case when attempt >= max_attempts then $1 else null end,
          last_error = 'lease expired: worker ' || coalesce(worker_id, '?') || ' stopped renewing it (crashed or lost its connection)',
          lease_token = null, lease_expires_at = null
      where state = 'running' and lease_expires_at < $1
      returning id, attempt, state, last_error, queue, task, started_at, worker_id`,
    params: [now],
  }),
  insertEvents: (events, now) => ({
    sql: `insert into lockstep_job_events (job_id, at, attempt, kind, message, worker_id)
      select e.value ->> 'job_id', $1, e.value ->> 'attempt', e.value ->> 'kind', e.value ->> 'message', e.value ->> 'worker_id'
      from json_each($2) e order by e.key`,
    params: [now, json(events.map((e) => ({ job_id: e.jobId, attempt: e.attempt, kind: e.kind, message: e.message, worker_id: e.workerId })))],
  }),
  registerWorker: (w, now) => ({
    sql: `insert into lockstep_workers (id, hostname, pid, queues, tasks, concurrency, started_at, heartbeat_at) values ($1, $2, $3, $4, $5, $6, $7, $7)
      on conflict (id) do update set heartbeat_at = excluded.heartbeat_at`,
    params: [w.id, w.hostname, w.pid, w.queues ? json(w.queues) : null, json(w.tasks), w.concurrency, now],
  }),
  unregisterWorker: (id) => ({ sql: 'delete from lockstep_workers where id = $1', params: [id] }),
  insertCronTick: (task, tickAt, now) => ({
    sql: 'insert into lockstep_cron_ticks (task, tick_at, created_at) values ($1, $2, $3) on conflict do nothing returning task',
    params: [task, tickAt.getTime(), now],
  }),
  setCronTickJob: (task, tickAt, jobId) => ({ sql: 'update lockstep_cron_ticks set job_id = $3 where task = $1 and tick_at = $2', params: [task, tickAt.getTime(), jobId] }),
  lastCronTick: (task) => ({ sql: 'select max(tick_at) as t from lockstep_cron_ticks where task = $1', params: [task] }),
  pruneJobs: (olderThanMs, batch, now) => ({
    sql: `delete from lockstep_jobs where id in (
      select id from lockstep_jobs where finished_at < $1 and state in ('succeeded', 'dead', 'cancelled') limit $2)`,
    params: [now - olderThanMs, batch],
  }),
  pruneCronTicks: (olderThanMs, now) => ({ sql: 'delete from lockstep_cron_ticks where tick_at < $1', params: [now - olderThanMs] }),
  pruneWorkers: (olderThanMs, now) => ({ sql: 'delete from lockstep_workers where heartbeat_at < $1', params: [now - olderThanMs] }),
  getJob: (id) => ({ sql: `select ${COLUMNS} from lockstep_jobs where id = $1`, params: [id] }),
  jobEvents: (id) => ({ sql: 'select at, attempt, kind, message, worker_id from lockstep_job_events where job_id = $1 order by id', params: [id] }),
  listJobs: (filter) => {
    const p = params();
    const where = jobWhere(filter, p.param);
    const sql = `select ${COLUMNS} from lockstep_jobs ${where}
      order by id desc limit ${p.param(filter.limit ?? 100)} offset ${p.param(filter.offset ?? 0)}`;
    return { sql, params: p.list };
  },
  retryJob: (id, now) => ({
    sql: `update lockstep_jobs set state = 'queued', run_at = $2, attempt = 0, finished_at = null, lease_token = null, lease_expires_at = null, wait_kind = null
      where id = $1 and state in ('dead', 'cancelled', 'queued') returning ${COLUMNS}`,
    params: [id, now],
  }),
  cancelJob: (id, now) => ({
    sql: `update lockstep_jobs set state = 'cancelled', finished_at = $2, lease_token = null, lease_expires_at = null
      where id = $1 and state in ('queued', 'running') returning ${COLUMNS}`,
    params: [id, now],
  }),
  countsByState: () => ({ sql: `select queue, ${SHOWN_STATE} as state, count(*) as count from lockstep_jobs group by 1, 2 order by 1, 2`, params: [] }),
  statsSummary: (now) => ({
    sql: `select
      (select $1 - min(run_at) from lockstep_jobs where state = 'queued' and run_at <= $1) as oldest,
      (select count(*) from lockstep_jobs where state = 'running' and lease_expires_at < $1) as expired,
      (select count(*) from lockstep_jobs where state = 'dead' and finished_at > $2) as dead_hour,
      (select count(*) from lockstep_jobs where state = 'succeeded' and finished_at > $3) as ok_min,
      (select count(*) from lockstep_jobs where state = 'dead' and finished_at > $3) as dead_min,
      (select count(*) from lockstep_jobs where state = 'cancelled' and finished_at > $3) as cancel_min,
      (select count(*) from lockstep_job_events where kind in ('failed', 'dead') and at > $3) as fail_min`,
    params: [now, now - 3_600_000, now - 60_000],
  }),
  workers: (now) => ({
    sql: `select w.*, $1 - w.heartbeat_at as age, (select count(*) from lockstep_jobs j where j.state = 'running' and j.worker_id = w.id) as running
      from lockstep_workers w order by w.started_at, w.id`,
    params: [now],
  }),
  saveStats: (stats, now) => ({
    sql: `insert into lockstep_queue_stats (id, computed_at, stats) values (1, $1, $2)
      on conflict (id) do update set computed_at = excluded.computed_at, stats = excluded.stats`,
    params: [now, stats],
  }),
  readStats: (now) => ({ sql: 'select stats, $1 - computed_at as age from lockstep_queue_stats where id = 1', params: [now] }),
  maintenance: null,

  // --- jobs schema v3: results, logs, steps, waiting ------------------------------------
  completeNotifies: false,
  saveSteps: (items) => ({
    sql: `insert into lockstep_job_steps (job_id, name, attempt, status, result, wait, event, started_at, finished_at)
      select s.value ->> 'job_id', s.value ->> 'name', s.value ->> 'attempt', s.value ->> 'status', s.value ->> 'result',
             s.value ->> 'wait', s.value ->> 'event', s.value ->> 'started_at', s.value ->> 'finished_at'
      from json_each($1) s
      join lockstep_jobs j on j.id = s.value ->> 'job_id' and j.lease_token = s.value ->> 'token' and j.state = 'running'
      where true order by s.key
      on conflict (job_id, name) do update
      set status = excluded.status, result = excluded.result, wait = excluded.wait, event = excluded.event,
          attempt = excluded.attempt, finished_at = excluded.finished_at
      where lockstep_job_steps.status = 'waiting'`,
    params: [json(items.map(stepDoc))],
  }),
  jobSteps: (jobId) => ({ sql: 'select name, attempt, status, result, wait, started_at, finished_at from lockstep_job_steps where job_id = $1 order by rowid', params: [jobId] }),
  insertLogs: (lines) => ({
    sql: `insert into lockstep_job_logs (job_id, attempt, at, level, message)
      select l.value ->> 'job_id', l.value ->> 'attempt', l.value ->> 'at', l.value ->> 'level', l.value ->> 'message' from json_each($1) l order by l.key`,
    params: [json(lines.map((l) => ({ job_id: l.jobId, attempt: l.attempt, at: l.at.getTime(), level: l.level, message: l.message })))],
  }),
  jobLogs: (jobId) => ({ sql: 'select job_id, attempt, at, level, message from lockstep_job_logs where job_id = $1 order by id', params: [jobId] }),
  suspend: (s, now) => ({
    // Due at once when the wait ended before this commit: no later wake-up would come.
    sql: `update lockstep_jobs
      set state = 'queued', attempt = max(attempt - 1, 0), wait_kind = $4, lease_token = null, lease_expires_at = null,
          run_at = case
            when exists (select 1 from lockstep_job_steps s where s.job_id = lockstep_jobs.id and s.name = $5 and s.status = 'done') then $6
            when $4 = 'children' and not exists (select 1 from lockstep_jobs c where c.parent_id = lockstep_jobs.id and c.state in ('queued', 'running')) then $6
            else $3 end
      where id = $1 and lease_token = $2 and state = 'running'
      returning id`,
    params: [s.id, s.token, (s.runAt ?? FAR_FUTURE).getTime(), s.kind, s.step.name, now],
  }),
  resolveStep: (jobId, name, result, now) => ({
    sql: `update lockstep_job_steps set status = 'done', result = $3, finished_at = $4
      where job_id = $1 and name = $2 and status = 'waiting'
      returning name, attempt, status, result, wait, started_at, finished_at`,
    params: [jobId, name, json(result ?? null), now],
  }),
  eventWaits: (event) => ({ sql: `select job_id, name, wait ->> '$.match' as match from lockstep_job_steps where event = $1 and status = 'waiting'`, params: [event] }),
  resolveEventWaits: (steps, data, now) => ({
    sql: `update lockstep_job_steps set status = 'done', result = $2, finished_at = $3
      from json_each($1) w
      where lockstep_job_steps.job_id = w.value ->> 'job_id' and lockstep_job_steps.name = w.value ->> 'name' and lockstep_job_steps.status = 'waiting'
      returning lockstep_job_steps.job_id`,
    params: [json(steps.map((s) => ({ job_id: s.jobId, name: s.name }))), json(data ?? null), now],
  }),
  wakeJobs: (ids, now) => ({
    sql: `update lockstep_jobs set run_at = $2 where id in (select value from json_each($1)) and state = 'queued' and wait_kind is not null and run_at > $2`,
    params: [json(ids), now],
  }),
  wakeParents: (parentIds, now) => ({
    sql: `update lockstep_jobs set run_at = $2
      where id in (select value from json_each($1)) and state = 'queued' and wait_kind = 'children' and run_at > $2
        and not exists (select 1 from lockstep_jobs c where c.parent_id = lockstep_jobs.id and c.state in ('queued', 'running'))
      returning id`,
    params: [json(parentIds), now],
  }),
  childJobs: (parentId) => ({ sql: `select ${COLUMNS} from lockstep_jobs where parent_id = $1 order by id`, params: [parentId] }),
  cancelChildren: (parentId, now) => ({
    sql: `update lockstep_jobs set state = 'cancelled', finished_at = $2, lease_token = null, lease_expires_at = null
      where parent_id = $1 and state in ('queued', 'running') returning id`,
    params: [parentId, now],
  }),
  parentsOf: (ids) => ({ sql: 'select distinct parent_id from lockstep_jobs where id in (select value from json_each($1)) and parent_id is not null', params: [json(ids)] }),
  deleteSteps: (lease, names) => ({
    sql: `delete from lockstep_job_steps where job_id = $1 and name in (select value from json_each($3))
      and exists (select 1 from lockstep_jobs j where j.id = $1 and j.lease_token = $2 and j.state = 'running')`,
    params: [lease.id, lease.token, json(names)],
  }),
  // The claim's transaction is BEGIN IMMEDIATE: SQLite has one writer, so counting and
  // claiming in it are atomic without a lock of our own.
  flowLock: () => null,
  claimLimited: (args, flow, token, now) => {
    const queues = args.queues ? `and j.queue in (select value from json_each($8))` : '';
    return {
      // Ranks as on PostgreSQL (see plans/postgres.ts): running jobs and logged starts first.
      sql: `with flow as (
          select f.value ->> 'task' as task, f.value ->> 'concurrency' as concurrency, f.value ->> 'rate_limit' as rate_limit,
                 f.value ->> 'rate_period_ms' as rate_period_ms
          from json_each($1) f
        ), candidates as (
          select j.id, j.task, j.concurrency_key, j.rate_key, j.priority, j.run_at, f.concurrency, f.rate_limit
          from lockstep_jobs j join flow f on f.task = j.task
          where j.state = 'queued' and j.run_at <= $7 ${queues} and j.queue not in (select queue from lockstep_job_queues)
        ), held as (
          select id, task, concurrency_key as c_key, rate_key as r_key, 0 as held, 1 as for_c, 1 as for_r, priority, run_at, concurrency, rate_limit
          from candidates
          union all
          select j.id, j.task, j.concurrency_key, null, 1, 1, 0, j.priority, j.run_at, null, null
          from lockstep_jobs j join flow f on f.task = j.task and f.concurrency is not null
          where j.state = 'running'
          union all
          select null, r.task, null, r.key, 1, 0, 1, 0, r.at, null, null
          from lockstep_job_rate_log r join flow f on f.task = r.task and f.rate_limit is not null
          where r.at > $7 - f.rate_period_ms
        ), ranked as (
          select id, held, priority, run_at, concurrency, rate_limit,
            count(*) filter (where for_c) over (partition by task, c_key order by held desc, priority desc, run_at, id) as c_rank,
            count(*) filter (where for_r) over (partition by task, r_key order by held desc, priority desc, run_at, id) as r_rank
          from held
        )
        update lockstep_jobs
        set state = 'running', attempt = attempt + 1, lease_token = $2, lease_expires_at = $3, worker_id = $4, started_at = $5,
            progress_done = null, progress_total = null, progress_percent = null, progress_eta_seconds = null,
            progress_updated_at = null, progress_writes = 0
        where id in (
          select id from ranked
          where not held and (concurrency is null or c_rank <= concurrency) and (rate_limit is null or r_rank <= rate_limit)
          order by priority desc, run_at, id
          limit $6)
        returning id, task, queue, payload, attempt, max_attempts`,
      params: [flowJson(flow), token, now + args.leaseMs, args.workerId, now, args.limit, now, ...(args.queues ? [json(args.queues)] : [])],
    };
  },
  logRateStarts: (ids, now) => ({
    sql: 'insert into lockstep_job_rate_log (task, key, at) select task, rate_key, $2 from lockstep_jobs where id in (select value from json_each($1))',
    params: [json(ids), now],
  }),
  pruneRateLog: (flow, now) => ({
    sql: `delete from lockstep_job_rate_log
      where exists (select 1 from json_each($1) f where f.value ->> 'task' = lockstep_job_rate_log.task and lockstep_job_rate_log.at < $2 - (f.value ->> 'rate_period_ms'))`,
    params: [flowJson(flow.filter((f) => f.rateLimit !== null)), now],
  }),
  pauseQueue: (queue, now) => ({ sql: 'insert into lockstep_job_queues (queue, paused_at) values ($1, $2) on conflict (queue) do nothing', params: [queue, now] }),
  resumeQueue: (queue) => ({ sql: 'delete from lockstep_job_queues where queue = $1', params: [queue] }),
  pausedQueues: () => ({ sql: 'select queue, paused_at from lockstep_job_queues order by queue', params: [] }),
  addHistory: (points) => ({
    sql: `insert into lockstep_job_history (queue, minute, succeeded, failed, dead)
      select p.value ->> 'queue', p.value ->> 'minute', p.value ->> 'succeeded', p.value ->> 'failed', p.value ->> 'dead'
      from json_each($1) p where true
      on conflict (queue, minute) do update
      set succeeded = succeeded + excluded.succeeded, failed = failed + excluded.failed, dead = dead + excluded.dead`,
    params: [json(points)],
  }),
  history: (sinceMs) => ({ sql: 'select queue, minute, succeeded, failed, dead from lockstep_job_history where minute >= $1 order by minute, queue', params: [sinceMs] }),
  pruneOldRateLog: (olderThanMs, now) => ({ sql: 'delete from lockstep_job_rate_log where at < $1', params: [now - olderThanMs] }),
  pruneHistory: (olderThanMs, now) => ({ sql: 'delete from lockstep_job_history where minute < $1', params: [now - olderThanMs] }),
  insertAttempts: (attempts, now) => ({
    sql: `insert into lockstep_job_attempts (job_id, attempt, started_at, ended_at, outcome, error, worker_id)
      select a.value ->> 'job_id', a.value ->> 'attempt', j.started_at, $2, a.value ->> 'outcome', a.value ->> 'error', a.value ->> 'worker_id'
      from json_each($1) a join lockstep_jobs j on j.id = a.value ->> 'job_id'
      where j.started_at is not null order by a.key`,
    params: [json(attempts.map((a) => ({ job_id: a.jobId, attempt: a.attempt, outcome: a.outcome, error: a.error, worker_id: a.workerId }))), now],
  }),
  archiveAttempts: (ids) => ({
    sql: `insert into lockstep_job_attempts (job_id, attempt, started_at, ended_at, outcome, error, worker_id)
      select j.id, j.attempt, j.started_at, j.finished_at, j.state, j.last_error, j.worker_id from lockstep_jobs j
      where j.id in (select value from json_each($1)) and j.started_at is not null and j.state in ('succeeded', 'dead', 'cancelled')
        and not exists (select 1 from lockstep_job_attempts a where a.job_id = j.id and a.started_at = j.started_at)`,
    params: [json(ids)],
  }),
  jobAttempts: (id) => ({
    sql: 'select attempt, started_at, ended_at, outcome, error, worker_id from lockstep_job_attempts where job_id = $1 order by started_at, id',
    params: [id],
  }),
  countJobs: (filter, cap) => {
    const p = params();
    const where = jobWhere(filter, p.param);
    return { sql: `select count(*) as n from (select 1 from lockstep_jobs ${where} limit ${p.param(cap)})`, params: p.list };
  },
  retryJobs: (ids, now) => ({
    sql: `update lockstep_jobs set state = 'queued', run_at = $2, attempt = 0, finished_at = null, lease_token = null, lease_expires_at = null
      where id in (select value from json_each($1)) and state in ('dead', 'cancelled', 'queued') returning id`,
    params: [json(ids), now],
  }),
  cancelJobs: (ids, now) => ({
    sql: `update lockstep_jobs set state = 'cancelled', finished_at = $2, lease_token = null, lease_expires_at = null
      where id in (select value from json_each($1)) and state in ('queued', 'running') returning id, attempt, worker_id`,
    params: [json(ids), now],
  }),
  matchingIds: (filter) => {
    const p = params();
    return { sql: `select id from lockstep_jobs ${jobWhere(filter, p.param)} order by id`, params: p.list };
  },
  deleteJobs: (ids) => ({ sql: `delete from lockstep_jobs where id in (select value from json_each($1)) and state <> 'running' returning id`, params: [json(ids)] }),
};

/** A step as one JSON document of the batch: JSON values as text, times in epoch ms. */
function stepDoc(s: StepWrite): Record<string, unknown> {
  return {
    job_id: s.id,
    token: s.token,
    name: s.name,
    attempt: s.attempt,
    status: s.status,
    result: json(s.result ?? null),
    wait: s.wait ? json(s.wait) : null,
    event: s.wait?.kind === 'event' ? s.wait.event : null,
    started_at: s.startedAt.getTime(),
    finished_at: s.finishedAt?.getTime() ?? null,
  };
}
