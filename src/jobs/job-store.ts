import type { DialectName } from '../core/model.js';
import type { FlowLimit } from './flow-control.js';

/**
 * The jobs queue's storage seam: one implementation (`sql-job-store.ts`) over the
 * `Database` seam, with each dialect's SQL in `plans/<dialect>.ts`. The worker, the queue
 * API and the CLI only speak these types.
 */

/**
 * A job's state as shown. Stored are `queued`, `running`, `succeeded`, `dead` and
 * `cancelled`; `scheduled` (queued, first attempt, run_at in the future), `retrying`
 * (queued after a failure, waiting out the backoff) and `waiting` (queued by `ctx.sleep`,
 * `ctx.waitForEvent` or `ctx.spawn`, until its wake-up) are read from a queued job's
 * columns, so claiming stays one index scan over `queued`.
 */
export type JobState = 'queued' | 'scheduled' | 'retrying' | 'waiting' | 'running' | 'succeeded' | 'dead' | 'cancelled';
export const JOB_STATES: readonly JobState[] = ['queued', 'scheduled', 'retrying', 'waiting', 'running', 'succeeded', 'dead', 'cancelled'];
export const FINISHED_STATES: readonly JobState[] = ['succeeded', 'dead', 'cancelled'];

export interface NewJob {
  task: string;
  queue: string;
  /** Any JSON value. */
  payload: unknown;
  key: string | null;
  /** null = ready now (database clock). */
  runAt: Date | null;
  priority: number;
  maxAttempts: number;
  /** The job that spawned this one (`ctx.spawn`); absent or null for top-level jobs. */
  parentId?: number | null;
  /** The task's `concurrency.key(payload)`, computed at enqueue (flow-control.ts). */
  concurrencyKey?: string | null;
  /** The task's `rateLimit.key(payload)`, computed at enqueue. */
  rateKey?: string | null;
}

export interface EnqueuedJob {
  id: number;
  /** false when a job with the same key was queued or running: `id` is that job's. */
  created: boolean;
}

export interface ProgressSnapshot {
  done: number;
  total: number | null;
  percent: number | null;
  etaSeconds: number | null;
}

export interface JobRecord {
  id: number;
  task: string;
  queue: string;
  state: JobState;
  payload: unknown;
  priority: number;
  attempt: number;
  maxAttempts: number;
  key: string | null;
  runAt: Date;
  createdAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
  lastError: string | null;
  workerId: string | null;
  leaseExpiresAt: Date | null;
  progress: ProgressSnapshot | null;
  progressUpdatedAt: Date | null;
  /** How many times progress was written while the job ran (the final write excluded). */
  progressWrites: number;
  /** What the handler returned (JSON), once the job succeeded; null before. */
  result: unknown;
  /** The job that spawned this one (`ctx.spawn`), or null. */
  parentId: number | null;
}

export type JobEventKind = 'failed' | 'retry-scheduled' | 'dead' | 'rescued' | 'released' | 'cancelled' | 'retried' | 'fenced' | 'waiting';

/** A row of a job's timeline besides creation, start and finish (which live on the job). */
export interface JobEvent {
  at: Date;
  attempt: number;
  kind: JobEventKind;
  message: string | null;
  workerId: string | null;
}

/** A job a worker holds a lease on. */
export interface ClaimedJob {
  id: number;
  task: string;
  queue: string;
  payload: unknown;
  attempt: number;
  maxAttempts: number;
  leaseToken: string;
}

export interface Lease {
  id: number;
  token: string;
}

export interface Completion extends Lease {
  progress: ProgressSnapshot | null;
  /** The handler's return value (JSON-safe, size checked by the worker); undefined = null. */
  result?: unknown;
}

export interface Failure extends Lease {
  attempt: number;
  error: string;
  /** ms until the retry; null = no retry, the job is dead. */
  retryInMs: number | null;
  progress: ProgressSnapshot | null;
  workerId: string;
}

export interface ProgressWrite extends Lease {
  progress: ProgressSnapshot;
}

export interface WorkerRegistration {
  id: string;
  hostname: string;
  pid: number;
  queues: string[] | null;
  tasks: string[];
  concurrency: number;
}

export interface WorkerInfo extends WorkerRegistration {
  startedAt: Date;
  heartbeatAt: Date;
  heartbeatAgeMs: number;
  /** Jobs this worker holds a lease on right now. */
  runningJobs: number;
}

export interface ListJobsFilter {
  state?: JobState | JobState[];
  task?: string;
  queue?: string;
  /** Matches a job id exactly, or a key, task or the payload's JSON text by substring. */
  search?: string;
  /** Default 100. */
  limit?: number;
  /** Skip this many (newest first). */
  offset?: number;
  /** Only these job ids (bulk actions on a selection). */
  ids?: number[];
}

/** The arguments of a claim. */
export interface ClaimRequest {
  workerId: string;
  queues: string[] | null;
  tasks: string[];
  limit: number;
  leaseMs: number;
  /**
   * Flow control of the worker's tasks that have any (`flowLimits(tasks)`): their jobs
   * are claimed under the limits, atomically with the count of what runs.
   */
  flow?: FlowLimit[];
  /**
   * At most this many jobs of flow-limited tasks (default `limit`): the worker's free
   * execution slots, so a limited job never waits in a prefetch buffer while it holds one
   * of its task's global slots.
   */
  flowSlots?: number;
}

/** One attempt of a job: kept after a retry, so each start and duration stays visible. */
export interface JobAttempt {
  attempt: number;
  startedAt: Date;
  /** null while it runs. */
  endedAt: Date | null;
  /** failed | dead | lost (lease expired) | released | running | succeeded | cancelled */
  outcome: string;
  error: string | null;
  workerId: string | null;
}

/** One minute of one queue's history (written by completions and failures, in batches). */
export interface QueueHistoryPoint {
  queue: string;
  minute: Date;
  succeeded: number;
  /** Failed attempts, the ones that went dead included. */
  failed: number;
  dead: number;
}

export interface QueueInfo {
  queue: string;
  paused: boolean;
  pausedAt: Date | null;
}

export type BulkAction = 'retry' | 'cancel' | 'delete';

export interface QueueCount {
  queue: string;
  state: JobState;
  count: number;
}

export interface QueueStats {
  /** One row per (queue, state) that has jobs. */
  counts: QueueCount[];
  /** Age in ms of the oldest job that is ready to run (queued, runAt passed); null when none. */
  oldestReadyAgeMs: number | null;
  /** Running jobs whose lease has expired (their worker is gone and no rescue ran yet). */
  expiredLeases: number;
  deadLastHour: number;
  /** Jobs finished in the last minute, by final state. */
  finishedLastMinute: { succeeded: number; dead: number; cancelled: number };
  /** Failed attempts (retried or dead) in the last minute. */
  failuresLastMinute: number;
  /** How old these figures are, in ms: 0 when read just now, more when they are the cached copy. */
  ageMs: number;
}

/** Something to run enqueue SQL on inside the caller's transaction. */
export type TransactionHandle =
  /** a `pg` Client/PoolClient, or lockstep's own `Queryable` */
  | { query(sql: string, params?: unknown[]): Promise<{ rows: any[] }> }
  /** a better-sqlite3 Database */
  | { prepare(sql: string): unknown };

/** How a dialect builds its job store on an open database. */
export interface JobStoreOptions {
  /** Pool size of the database, reported in `connectionBudget`. */
  maxConnections?: number;
}

export interface JobStore {
  readonly dialect: DialectName;
  /** The jobs table as users see it in SQL (`lockstep.jobs`, `lockstep_jobs`), for messages. */
  readonly jobsTable: string;
  /**
   * Default worker poll interval: long where the store wakes workers itself
   * (PostgreSQL LISTEN/NOTIFY), short where polling is the only wake-up (SQLite).
   */
  readonly defaultPollIntervalMs: number;
  /** true when wake-ups (enqueues, finished jobs) reach other processes; false when only polling does. */
  readonly wakesOtherProcesses: boolean;
  /** Creates or upgrades the jobs tables; returns the version before and after. */
  install(): Promise<{ from: number; to: number }>;
  /** Installed version of the jobs tables; 0 when they are not installed. */
  installedVersion(): Promise<number>;
  enqueue(jobs: NewJob[], tx?: TransactionHandle): Promise<EnqueuedJob[]>;
  claim(args: ClaimRequest): Promise<ClaimedJob[]>;
  /** Extends leases; returns the leases that are no longer held, with the job's current state. */
  heartbeat(args: { workerId: string; leases: Lease[]; leaseMs: number }): Promise<{ id: number; state: JobState | null }[]>;
  /** Marks jobs succeeded; fenced by token. Returns the ids that were written. */
  complete(items: Completion[]): Promise<number[]>;
  /** Records a failed attempt (retry or dead); fenced by token. false when the lease was lost. */
  fail(failure: Failure): Promise<boolean>;
  /** Hands jobs back to `queued` without counting the attempt (worker shutdown). */
  release(leases: Lease[], workerId: string, reason: string): Promise<number>;
  saveProgress(items: ProgressWrite[]): Promise<void>;
  /** Returns running jobs whose lease expired to `queued` (or `dead` when no attempts are left). */
  rescueExpired(workerId: string): Promise<number>;
  registerWorker(worker: WorkerRegistration): Promise<void>;
  unregisterWorker(id: string): Promise<void>;
  /** Enqueues the job of a cron tick unless some worker already did. Returns its id, or null. */
  claimCronTick(task: string, tickAt: Date, job: NewJob): Promise<number | null>;
  lastCronTick(task: string): Promise<Date | null>;
  /**
   * Housekeeping a worker runs every few seconds. PostgreSQL: refreshes the planner
   * statistics of the jobs table when they are far behind (a burst of enqueues before
   * autovacuum noticed), so claims keep using the ready index. SQLite: nothing.
   */
  maintain(): Promise<void>;
  /** Deletes finished jobs older than `olderThanMs`, stale workers and old cron ticks. */
  prune(olderThanMs: number): Promise<number>;
  getJob(id: number): Promise<JobRecord | null>;
  jobEvents(id: number): Promise<JobEvent[]>;
  listJobs(filter: ListJobsFilter): Promise<JobRecord[]>;
  /** Puts a dead, cancelled or waiting job back to run now with fresh attempts. */
  retryJob(id: number): Promise<JobRecord | null>;
  /** Cancels a queued or running job (a running one sees its signal aborted). */
  cancelJob(id: number): Promise<JobRecord | null>;
  /**
   * Queue statistics. With `maxAgeMs`, the cached copy the elected worker keeps (see
   * `refreshStats`) is returned when it is at most that old, so probes and dashboards do
   * not each count the jobs table; otherwise they are read now.
   */
  stats(options?: { maxAgeMs?: number }): Promise<QueueStats>;
  /** Reads the statistics now and stores them as the cached copy (the elected worker's job). */
  refreshStats(): Promise<QueueStats>;
  workers(): Promise<WorkerInfo[]>;
  /** Workers claim nothing from a paused queue (checked in the claim itself) until it is resumed. */
  pauseQueue(queue: string): Promise<void>;
  resumeQueue(queue: string): Promise<void>;
  /** Every queue that has jobs (names from the cached statistics when at most 15 s old) or is paused, with its pause state. */
  queues(): Promise<QueueInfo[]>;
  /** Per-minute counts per queue since `since` (from the history table, not from jobs). */
  history(since: Date): Promise<QueueHistoryPoint[]>;
  /** Writes the counts of finished attempts gathered since the last flush (also done on each heartbeat). */
  flushHistory(): Promise<void>;
  /** Every attempt of a job, oldest first (ended ones from the attempts record, the current one from the row). */
  jobAttempts(id: number): Promise<JobAttempt[]>;
  /** How many jobs match the filter (limit and offset ignored), for pagination; counts at most `cap` (default unlimited). */
  countJobs(filter: ListJobsFilter, cap?: number): Promise<number>;
  /**
   * Retries, cancels or deletes every job that matches the filter (ids, state, task,
   * queue, search; limit and offset ignored) and allows it; returns the ids acted on.
   * Running jobs are never deleted (cancel them first).
   */
  bulk(action: BulkAction, filter: ListJobsFilter): Promise<number[]>;
  /**
   * Calls `onWake` when jobs may be ready or a job was cancelled (PostgreSQL LISTEN on a
   * connection of its own). Returns a function that stops listening. SQLite: never calls.
   */
  listen(onWake: (event: 'jobs' | 'cancel') => void, options?: { onStatus?: (message: string) => void }): Promise<() => Promise<void>>;
  /** Connections this store opens at most (pool + listener), for the docs and tests. */
  readonly connectionBudget: number;
  close(): Promise<void>;
  // --- results, logs, durable steps and waiting (jobs schema v3) ------------------------
  /** Writes step results (fenced by the lease: nothing is written for a lease that was lost). */
  saveSteps(items: StepWrite[]): Promise<void>;
  /** Every recorded step of a job, in the order they were first recorded. */
  jobSteps(id: number): Promise<StepRecord[]>;
  /** Appends `ctx.log` lines (bounded per attempt by the worker). */
  appendLogs(lines: LogLine[]): Promise<void>;
  jobLogs(id: number): Promise<LogLine[]>;
  /**
   * Puts a running job to wait without holding a slot: enqueues its children, records the
   * waiting step and hands the job back (`queued`, `run_at` = the wake-up, or now when the
   * wait already ended; the attempt not counted), all in one transaction, fenced by the
   * lease. Returns the children's ids, or null when the lease was lost.
   */
  suspend(s: Suspension): Promise<number[] | null>;
  /** Resolves a waiting step (a timed-out event wait) unless something resolved it first; returns the step as stored. */
  resolveStep(jobId: number, name: string, result: unknown): Promise<StepRecord | null>;
  /** Resolves every step waiting for `event` whose `match` the data contains and wakes their jobs. Returns how many. */
  sendEvent(event: string, data: unknown, tx?: TransactionHandle): Promise<number>;
  /** The jobs a job spawned, oldest first. */
  childJobs(parentId: number): Promise<JobRecord[]>;
  /** Forgets steps of a running job (fenced by the lease): a children step whose child failed spawns anew on the retry. */
  deleteSteps(lease: Lease, names: string[]): Promise<void>;
  /** Calls `onFinished` when jobs finish (ids, or null = some jobs, check yours). PostgreSQL: LISTEN; SQLite: in this process only. */
  listenFinished(onFinished: (ids: number[] | null) => void): Promise<() => Promise<void>>;
}

/** A durable step result (`ctx.step`), an item outcome (`ctx.steps`) or a wait. */
export interface StepWrite extends Lease {
  name: string;
  attempt: number;
  status: StepStatus;
  /** JSON. */
  result: unknown;
  startedAt: Date;
  finishedAt: Date | null;
  /** A wait's details: the event and match, the wake-up time, or the children. */
  wait?: StepWait | null;
}

/** `done`: fn returned (or the wait is over); `waiting`: a sleep, event or children wait not over yet. */
export type StepStatus = 'done' | 'waiting';

export type StepWait =
  | { kind: 'sleep'; until: string }
  | { kind: 'event'; event: string; match: unknown; until: string | null }
  | { kind: 'children'; ids: number[] };

export interface StepRecord {
  name: string;
  attempt: number;
  status: StepStatus;
  result: unknown;
  wait: StepWait | null;
  startedAt: Date;
  finishedAt: Date | null;
}

export interface LogLine {
  jobId: number;
  attempt: number;
  at: Date;
  level: 'info' | 'warn' | 'error';
  message: string;
}

export interface Suspension extends Lease {
  /** The waiting step (written unless it is already recorded). */
  step: StepWrite;
  /** Wake-up time; null = only an event or the children wake it. */
  runAt: Date | null;
  kind: 'sleep' | 'event' | 'children';
  /** Children to enqueue (their parent set to this job); their ids go into the waiting step's `wait`. */
  children?: NewJob[];
  /** For the `waiting` event of the timeline: what it waits for. */
  message?: string;
  workerId?: string;
}
