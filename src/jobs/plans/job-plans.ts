import type { DialectName } from '../../core/model.js';
import type { FlowLimit } from '../flow-control.js';
import type { Completion, Failure, JobEventKind, Lease, ListJobsFilter, LogLine, NewJob, ProgressWrite, StepWrite, Suspension, WorkerRegistration } from '../job-store.js';

/**
 * The jobs queue's SQL for one dialect, as pure plan functions (pg-boss's `plans.ts`):
 * each returns one statement and its parameters; the one store (`sql-job-store.ts`) runs
 * them over the `Database` seam and holds every rule of the state machine. Times: the
 * PostgreSQL plans use the server's clock (`now()`, so workers on skewed hosts agree on
 * lease expiry) and ignore `now`; the SQLite plans store epoch milliseconds from `now`.
 */
/** Channels of the queue's wake-ups (PostgreSQL NOTIFY; in-process on SQLite). */
export const JOBS_CHANNEL = 'lockstep_jobs';
export const CANCEL_CHANNEL = 'lockstep_cancel';
/** Jobs finished (payload: their ids, comma-separated, or empty = some jobs), for `queue.waitFor`. */
export const FINISHED_CHANNEL = 'lockstep_finished';

export interface Sql {
  sql: string;
  params: unknown[];
}

export interface JobsMigration {
  version: number;
  name: string;
  sql: string;
}

export interface ClaimArgs {
  workerId: string;
  queues: string[] | null;
  tasks: string[];
  limit: number;
  leaseMs: number;
}

/** Flow limits as the plans pass them to SQL (one JSON parameter). */
export function flowJson(flow: FlowLimit[]): string {
  return JSON.stringify(flow.map((f) => ({ task: f.task, concurrency: f.concurrency, rate_limit: f.rateLimit, rate_period_ms: f.ratePeriodMs })));
}

export interface NewEvent {
  jobId: number;
  attempt: number;
  kind: JobEventKind;
  message: string | null;
  workerId: string | null;
}

export interface JobPlans {
  readonly dialect: DialectName;
  /** The jobs table as users see it in SQL, for messages. */
  readonly jobsTable: string;
  /** Long where the database wakes workers across processes (LISTEN), short where polling is the only way. */
  readonly defaultPollIntervalMs: number;
  /** true when JSON comes back as text and times as epoch ms (SQLite). */
  readonly jsonAsText: boolean;
  /** Connections the store opens besides the database's own pool (PostgreSQL: the LISTEN one). */
  readonly extraConnections: number;
  /** The pool size the store uses for `requested` connections (SQLite: one connection, whatever is asked). */
  poolSize(requested: number | undefined): number;
  /** true when a wake-up reaches other processes (PostgreSQL NOTIFY); false when it stays in this process. */
  readonly wakesOtherProcesses: boolean;
  /** true when `enqueue` sends the wake-up itself (in the same statement). */
  readonly enqueueNotifies: boolean;
  readonly migrations: readonly JobsMigration[];
  /** Run first inside the install transaction: serializes concurrent installs (PostgreSQL advisory lock). */
  readonly installLock: string | null;
  /** Creates the jobs tables' own migration history if missing. */
  readonly createHistory: string;
  /** `present`: the history table exists (boolean-ish). */
  readonly historyPresent: string;
  /** `v`: the installed version. */
  readonly installedVersion: string;
  recordMigration(m: JobsMigration, now: number): Sql;

  /** Rows `id, key` of the jobs inserted (a key already queued or running is skipped). */
  enqueue(jobs: NewJob[], now: number): Sql;
  /** Rows `id, key` of the queued or running jobs holding these keys. */
  existingKeys(keys: string[]): Sql;
  /** A cheap read that says whether a claim could find anything (null: just claim). */
  readyProbe(args: ClaimArgs, now: number): Sql | null;
  /** Rows `id, task, queue, payload, attempt, max_attempts`. */
  claim(args: ClaimArgs, token: string, now: number): Sql;
  /** Rows `id` of the leases renewed. */
  renewLeases(leases: Lease[], leaseMs: number, now: number): Sql;
  touchWorker(workerId: string, now: number): Sql;
  /** Rows `id, state`. */
  jobStates(ids: number[]): Sql;
  /** Marks the jobs succeeded (fenced by token); its rows are read by `completed`. */
  complete(items: Completion[], now: number): Sql;
  /** What `complete` did, from its rows: the items it could not mark (lease lost), counts, parents. */
  completed(rows: Record<string, unknown>[], items: readonly Completion[]): CompletedBatch;
  /** Rows `id, state` when the failure was written (fenced by token). */
  fail(failure: Failure, now: number): Sql;
  /** Rows `id, attempt` of the jobs handed back (their attempt not counted, their place in line kept). */
  release(leases: Lease[], now: number): Sql;
  saveProgress(items: ProgressWrite[], now: number): Sql;
  expiredProbe(now: number): Sql | null;
  /** Rows `id, attempt, state, last_error` of the expired leases put back (or dead), in their place in line. */
  rescueExpired(now: number): Sql;
  insertEvents(events: NewEvent[], now: number): Sql;
  registerWorker(worker: WorkerRegistration, now: number): Sql;
  unregisterWorker(id: string): Sql;
  /** Rows (any) when this worker is the first to claim the tick. */
  insertCronTick(task: string, tickAt: Date, now: number): Sql;
  setCronTickJob(task: string, tickAt: Date, jobId: number): Sql;
  /** Row `t`. */
  lastCronTick(task: string): Sql;
  /** Deletes up to `batch` finished jobs older than `olderThanMs`. */
  pruneJobs(olderThanMs: number, batch: number, now: number): Sql;
  pruneCronTicks(olderThanMs: number, now: number): Sql;
  pruneWorkers(olderThanMs: number, now: number): Sql;
  getJob(id: number): Sql;
  jobEvents(id: number): Sql;
  listJobs(filter: ListJobsFilter): Sql;
  /** Rows: the job (JOB_COLUMNS) when it was put back. */
  retryJob(id: number, now: number): Sql;
  /** Rows: the job (JOB_COLUMNS) when it was cancelled. */
  cancelJob(id: number, now: number): Sql;
  /** Rows `queue, state, count`. */
  countsByState(): Sql;
  /** One row: `oldest, expired, dead_hour, ok_min, dead_min, cancel_min, fail_min`. */
  statsSummary(now: number): Sql;
  /** Rows: the workers with `running` (jobs) and `age` (ms since the heartbeat). */
  workers(now: number): Sql;
  /** Stores the queue statistics (`stats`: JSON text) as the cached copy, stamped now. */
  saveStats(stats: string, now: number): Sql;
  /** At most one row: `stats` (JSON) and `age` (ms since it was computed). */
  readStats(now: number): Sql;
  /** Statements for the elected worker's housekeeping (PostgreSQL: planner statistics), or none. */
  readonly maintenance: MaintenancePlan | null;

  // --- jobs schema v3: results, logs, steps, waiting ------------------------------------
  /** true when `complete` sends the finished wake-up itself (PostgreSQL NOTIFY in the statement). */
  readonly completeNotifies: boolean;
  /** Fenced upsert of step rows: a `waiting` step may become `done`, a `done` one never changes. */
  saveSteps(items: StepWrite[], now: number): Sql;
  /** Rows `name, attempt, status, result, wait, started_at, finished_at` in recording order. */
  jobSteps(jobId: number): Sql;
  insertLogs(lines: LogLine[]): Sql;
  /** Rows `job_id, attempt, at, level, message`. */
  jobLogs(jobId: number): Sql;
  /** Rows `id` when the running job was handed back to wait (fenced by token). */
  suspend(s: Suspension, now: number): Sql;
  /** Rows: the step, when it was still waiting and is now done. */
  resolveStep(jobId: number, name: string, result: unknown, now: number): Sql;
  /** Rows `job_id, name, match` of the steps waiting for this event. */
  eventWaits(event: string): Sql;
  /** Marks these waiting steps done with the event's data; rows `job_id` of those it resolved. */
  resolveEventWaits(steps: { jobId: number; name: string }[], data: unknown, now: number): Sql;
  /** Makes waiting jobs ready now (an event came, children finished). */
  wakeJobs(ids: number[], now: number): Sql;
  /** Wakes the parents among these ids that wait for children and have none unfinished left. */
  wakeParents(parentIds: number[], now: number): Sql;
  /** Rows: the children (JOB_COLUMNS), oldest first. */
  childJobs(parentId: number): Sql;
  /** Cancels the unfinished children of a cancelled parent; rows `id`. */
  cancelChildren(parentId: number, now: number): Sql;
  /** Rows `parent_id` of these jobs. */
  parentsOf(ids: number[]): Sql;
  /** Forgets steps of a running job (fenced): a children step whose child failed spawns anew on the retry. */
  deleteSteps(lease: Lease, names: string[]): Sql;

  // --- flow control, paused queues, history, attempts, bulk actions (jobs schema v2) ---

  /** Run first in a limited claim's transaction: serializes the claims of these tasks (PostgreSQL advisory locks), or null. */
  flowLock(tasks: string[]): Sql | null;
  /**
   * Claims ready jobs of flow-limited tasks: per (task, key), running jobs plus the ones
   * taken here stay within the concurrency limit, and starts logged in the period plus
   * the ones taken here within the rate limit. Rows as `claim`.
   */
  claimLimited(args: ClaimArgs, flow: FlowLimit[], token: string, now: number): Sql;
  /** Logs the starts of the claimed jobs in the rate log. */
  logRateStarts(ids: number[], now: number): Sql;
  /** Deletes rate-log rows older than each task's period. */
  pruneRateLog(flow: FlowLimit[], now: number): Sql;
  pauseQueue(queue: string, now: number): Sql;
  resumeQueue(queue: string): Sql;
  /** Rows `queue, paused_at`. */
  pausedQueues(): Sql;
  /** Adds per-minute counts to the history (upsert). */
  addHistory(points: HistoryDelta[]): Sql;
  /** Rows `queue, minute, succeeded, failed, dead`, oldest first. */
  history(sinceMs: number): Sql;
  pruneHistory(olderThanMs: number, now: number): Sql;
  /** Deletes rate-log rows older than the retention (tasks no worker claims any more). */
  pruneOldRateLog(olderThanMs: number, now: number): Sql;
  insertAttempts(attempts: NewAttempt[], now: number): Sql;
  /** Keeps the current attempt of finished jobs about to run again (a hand retry) unless already kept. */
  archiveAttempts(ids: number[]): Sql;
  /** Rows `attempt, started_at, ended_at, outcome, error, worker_id`, oldest first. */
  jobAttempts(id: number): Sql;
  /** Row `n`: the jobs matching the filter, counted up to `cap` (a dashboard polls this every second). */
  countJobs(filter: ListJobsFilter, cap: number): Sql;
  /** Rows `id` of the jobs put back to run now with fresh attempts (dead, cancelled or queued ones). */
  retryJobs(ids: number[], now: number): Sql;
  /** Rows `id, attempt, worker_id` of the queued or running jobs cancelled. */
  cancelJobs(ids: number[], now: number): Sql;
  /** Rows `id` of the jobs matching the filter (no limit), for bulk actions. */
  matchingIds(filter: ListJobsFilter): Sql;
  /** Rows `id` deleted (never running ones). */
  deleteJobs(ids: number[]): Sql;
}

/** The outcome of one `complete` statement. */
export interface CompletedBatch {
  /** Ids of the items not marked succeeded: their lease was lost meanwhile. */
  lost: number[];
  /** Jobs marked succeeded, counted by queue and task. */
  counts: { queue: string; task: string; n: number }[];
  /** The distinct parents of the jobs marked succeeded. */
  parents: number[];
}

/**
 * Lease tokens of a batch as a short list and a 1-based index per item: a worker's batch
 * holds the jobs of a few claims, and each claim's jobs share one token.
 */
export function tokenIndexes(leases: readonly Lease[]): { tokens: string[]; index: number[] } {
  const tokens: string[] = [];
  const index = new Array<number>(leases.length);
  let last: string | undefined;
  let at = 0;
  for (let i = 0; i < leases.length; i++) {
    const token = leases[i]!.token;
    if (token !== last) {
      at = tokens.indexOf(token) + 1;
      if (at === 0) at = tokens.push(token);
      last = token;
    }
    index[i] = at;
  }
  return { tokens, index };
}

export interface HistoryDelta {
  queue: string;
  /** Start of the minute, epoch ms. */
  minute: number;
  succeeded: number;
  failed: number;
  dead: number;
}

export interface NewAttempt {
  jobId: number;
  attempt: number;
  outcome: string;
  error: string | null;
  workerId: string | null;
}

export interface MaintenancePlan {
  /** One row `due`: whether the statement should run now. */
  check: string;
  run: string;
}

/** The columns of a job record, in both dialects (`state` as stored; see jobColumns for the shown one). */
export const JOB_COLUMNS = `id, task, queue, payload, state, priority, attempt, max_attempts, key, run_at, created_at, started_at,
  finished_at, last_error, worker_id, lease_expires_at, progress_done, progress_total, progress_percent,
  progress_eta_seconds, progress_updated_at, progress_writes`;

/**
 * A queued job's shown state: `waiting` (woken by a timer, an event or its children),
 * `retrying` (after a failure, waiting out the backoff) or `scheduled` (first attempt, not
 * yet due) while its run_at is in the future; else the stored state. `now` is the
 * dialect's SQL for the current time in the unit of run_at.
 */
export function shownState(now: string): string {
  return `(case when state <> 'queued' or run_at <= ${now} then state when wait_kind is not null then 'waiting' when attempt > 0 then 'retrying' else 'scheduled' end)`;
}

/** JOB_COLUMNS with the shown state, the result and the parent (jobs schema v3). */
export function jobColumns(now: string): string {
  return `${JOB_COLUMNS.replace('payload, state,', `payload, ${shownState(now)} as state,`)}, result, parent_id`;
}

/** run_at of a job waiting for an event without a timeout, or for its children: only a wake-up makes it due. */
export const FAR_FUTURE = new Date('9999-12-31T00:00:00Z');

/** Numbered parameters for a statement built piece by piece: `param(v)` adds `v` and returns its `$n`. */
export function sqlParams(): { list: unknown[]; param: (value: unknown) => string } {
  const list: unknown[] = [];
  return {
    list,
    param: (value) => {
      list.push(value);
      return `$${list.length}`;
    },
  };
}

/** `%` and `_` match themselves in a search (LIKE with `\` as the escape character). */
export function likeContains(text: string): string {
  return `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}
