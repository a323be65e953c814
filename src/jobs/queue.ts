import { LockstepError } from '../core/errors.js';
import {
  type EnqueuedJob,
  type BulkAction,
  type JobAttempt,
  FINISHED_STATES,
  type JobEvent,
  type JobRecord,
  type JobState,
  type JobStore,
  type ListJobsFilter,
  type LogLine,
  type NewJob,
  type QueueHistoryPoint,
  type QueueInfo,
  type QueueStats,
  type StepRecord,
  type TransactionHandle,
  type WorkerInfo,
} from './job-store.js';
import { shownProgress, startedAttempt } from './job-rows.js';
import { JOBS_SCHEMA_VERSION } from './jobs-schema-version.js';
import { openJobStore, type JobStoreTarget } from './open-job-store.js';
import { flowKeys } from './flow-control.js';
import { validatePayload } from './standard-schema.js';
import { type StepSummary, summarizeSteps } from './step-summary.js';
import { type AnyTask, DEFAULT_MAX_ATTEMPTS, DEFAULT_QUEUE, isTask, type PayloadArgs, type PayloadOf, type Task, type TaskList, type TasksOf, taskMap } from './task.js';

export interface EnqueueOptions {
  /** Idempotency key: while a job with this key is queued or running, enqueue returns it instead. */
  key?: string;
  /** Not before this time (Date or ISO string). */
  runAt?: Date | string;
  /** Higher runs first. Default: the task's, else 0. */
  priority?: number;
  /** Default: the task's queue, else `default`. */
  queue?: string;
  /** Default: the task's, else 5. */
  maxAttempts?: number;
  /**
   * Run the insert on the caller's transaction so the job commits (or rolls back) with
   * the caller's data: a `pg` Client/PoolClient, a better-sqlite3 Database, or a lockstep
   * Queryable from `db.transaction`.
   */
  tx?: TransactionHandle;
}

export interface EnqueueItem {
  task: AnyTask | string;
  payload?: unknown;
  options?: Omit<EnqueueOptions, 'tx'>;
}

/**
 * An `enqueueMany` item for a queue whose tasks are `T`: per task, its name or the task
 * itself with that task's payload (required unless the payload may be undefined). For a
 * queue made without tasks (`T` = any task) any name and payload.
 */
export type EnqueueItemOf<T extends AnyTask> = {
  [N in T['name']]: { task: N | Extract<T, { name: N }>; options?: Omit<EnqueueOptions, 'tx'> } & (undefined extends PayloadOf<T, N> ? { payload?: PayloadOf<T, N> } : { payload: PayloadOf<T, N> });
}[T['name']];

export interface QueueOptions<T extends TaskList = TaskList> extends JobStoreTarget {
  /**
   * Tasks whose payload validators and settings apply when a job is enqueued by name. They
   * also type the queue: `enqueue('name', payload)` accepts only these names, each with its
   * task's payload type.
   */
  tasks?: T;
}

/** A moment in a job's life, for timelines (dashboard, `jobs show`). */
export interface TimelineEntry {
  at: Date;
  kind: 'created' | 'started' | 'finished' | JobEvent['kind'];
  attempt: number | null;
  message: string | null;
  workerId: string | null;
}

export interface JobDetails extends JobRecord {
  events: JobEvent[];
  timeline: TimelineEntry[];
  /** `ctx.log` lines, oldest first, with their attempt. */
  logs: LogLine[];
  /** Durable steps, in the order they were first recorded. */
  steps: StepRecord[];
  /** The jobs it spawned. */
  children: JobRecord[];
}

/** The exact shape of `lockstep jobs show --json`. */
export interface JobJson {
  id: number;
  task: string;
  queue: string;
  state: JobState;
  attempt: number;
  maxAttempts: number;
  progress: { done: number; total: number | null; percent: number | null; etaSeconds: number | null } | null;
  runAt: string;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  lastError: string | null;
  key: string | null;
  /** What the handler returned (null until the job succeeded). */
  result: unknown;
  parentId: number | null;
  /** `jobs show --json` only: the `ctx.log` lines. */
  logs?: { attempt: number; at: string; level: string; message: string }[];
  /** `jobs show --json` only: the steps, the items of one `ctx.steps` as one entry. */
  steps?: StepSummary[];
  /** `jobs show --json` only: the children (`ctx.spawn`). */
  children?: { id: number; task: string; state: JobState; result: unknown; lastError: string | null }[];
}

/**
 * Opens the queue of a database: enqueue jobs and look at them.
 *
 * @example
 * const queue = await createQueue({ url: 'postgres://app@localhost/app', tasks: [syncItem] });
 * await queue.install();
 * const { id } = await queue.enqueue(syncItem, { sku: 'A-1' }, { key: 'sync:A-1' });
 * await queue.close();
 */
export async function createQueue<const T extends TaskList = AnyTask[]>(options: QueueOptions<T>): Promise<Queue<TasksOf<T>>> {
  const opened = await openJobStore({ ...options, applicationName: options.applicationName ?? 'lockstep-queue' });
  return new Queue<TasksOf<T>>(opened.store, options.tasks ? taskMap(options.tasks) : new Map(), opened.close);
}

/**
 * The queue of one database. `T` is the union of its tasks (from `createQueue({ tasks })`):
 * enqueueing by name is type-checked against them; without tasks any name goes.
 */
export class Queue<T extends AnyTask = AnyTask> {
  /** The jobs-tables version this code expects (compare with `installedVersion()`). */
  readonly expectedVersion = JOBS_SCHEMA_VERSION;

  constructor(
    /** The storage seam, for tools that need more than this class offers. */
    readonly store: JobStore,
    private readonly tasks: Map<string, AnyTask>,
    private readonly closeStore: () => Promise<void>,
  ) {}

  get dialect(): 'postgres' | 'sqlite' {
    return this.store.dialect;
  }

  /** Creates or upgrades the jobs tables (lockstep's own versioned migrations). */
  install(): Promise<{ from: number; to: number }> {
    return this.store.install();
  }

  installedVersion(): Promise<number> {
    return this.store.installedVersion();
  }

  /**
   * Enqueues one job. The payload is checked by the task's validator first; an invalid
   * one is rejected with the validator's message and nothing is written.
   *
   * @example
   * const { id, created } = await queue.enqueue('send-email', { to: 'a@b.c' }, { key: 'welcome:42' });
   */
  enqueue<P>(task: Task<P, string>, ...args: PayloadArgs<NoInfer<P>, EnqueueOptions>): Promise<EnqueuedJob>;
  enqueue<N extends T['name']>(task: N, ...args: PayloadArgs<PayloadOf<T, N>, EnqueueOptions>): Promise<EnqueuedJob>;
  async enqueue(task: AnyTask | string, payload?: unknown, options: EnqueueOptions = {}): Promise<EnqueuedJob> {
    const [job] = await this.store.enqueue([await this.prepare({ task, payload, options })], options.tx);
    return job!;
  }

  /**
   * Resolves with the job once it finished (succeeded, dead or cancelled), with its result.
   * PostgreSQL: woken by NOTIFY on one LISTEN connection the queue opens on first use;
   * SQLite: woken in this process, and re-checks every 250 ms for other processes.
   * Rejects when `timeoutMs` (default 60 s) passes first.
   *
   * @example
   * const { id } = await queue.enqueue(resize, { image: 'a.png' });
   * const job = await queue.waitFor(id, { timeoutMs: 30_000 });
   * console.log(job.state, job.result);
   */
  async waitFor(id: number, options: { timeoutMs?: number } = {}): Promise<JobDetails> {
    const timeoutMs = options.timeoutMs ?? 60_000;
    const deadline = Date.now() + timeoutMs;
    const waiter = { id, wake: () => {} };
    this.waiters.add(waiter);
    try {
      await this.listenFinished();
      for (;;) {
        const job = await this.store.getJob(id);
        if (!job) throw new LockstepError(`job ${id} does not exist`, { hint: 'List jobs with `lockstep jobs list`.' });
        if (FINISHED_STATES.includes(job.state)) return (await this.getJob(id))!;
        const left = deadline - Date.now();
        if (left <= 0) {
          throw new LockstepError(`job ${id} did not finish within ${timeoutMs} ms (it is ${job.state})`, { hint: 'Wait longer (timeoutMs), or look at it with `lockstep jobs show`.' });
        }
        await new Promise<void>((resolve) => {
          // Without cross-process wake-ups a job finished by another process is seen by re-reading.
          const timer = setTimeout(resolve, this.store.wakesOtherProcesses ? left : Math.min(left, 250));
          waiter.wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
      }
    } finally {
      this.waiters.delete(waiter);
    }
  }

  private readonly waiters = new Set<{ id: number; wake: () => void }>();
  private finishedListener: Promise<() => Promise<void>> | undefined;

  private listenFinished(): Promise<unknown> {
    this.finishedListener ??= this.store
      .listenFinished((ids) => {
        for (const w of this.waiters) if (ids === null || ids.includes(w.id)) w.wake();
      })
      .catch((error: unknown) => {
        // The next waitFor tries again rather than failing for ever.
        this.finishedListener = undefined;
        throw error;
      });
    return this.finishedListener;
  }

  /**
   * Sends an event: every job waiting in `ctx.waitForEvent` for `event` whose `match` the
   * data contains gets the data and continues. With `{ tx }` it is part of the caller's
   * transaction (delivered at its commit). Returns how many jobs it woke.
   *
   * @example
   * await queue.sendEvent('order.paid', { orderId: 7 });
   */
  sendEvent(event: string, data: unknown = null, options: { tx?: TransactionHandle } = {}): Promise<number> {
    if (!/^[\w.:-]{1,200}$/.test(event)) {
      throw new LockstepError(`event name "${event}" is not allowed`, { hint: 'Use letters, digits and _ . : - (at most 200 characters).' });
    }
    return this.store.sendEvent(event, JSON.parse(JSON.stringify(data ?? null)), options.tx);
  }

  /** Enqueues several jobs in one statement (one transaction); all are validated first. */
  async enqueueMany(items: readonly EnqueueItemOf<T>[], options: { tx?: TransactionHandle } = {}): Promise<EnqueuedJob[]> {
    const jobs: NewJob[] = [];
    for (const item of items) jobs.push(await this.prepare(item));
    const out: EnqueuedJob[] = [];
    // Chunks keep one statement's parameter within sane limits on huge batches.
    for (let i = 0; i < jobs.length; i += 5000) out.push(...(await this.store.enqueue(jobs.slice(i, i + 5000), options.tx)));
    return out;
  }

  private async prepare(item: EnqueueItem): Promise<NewJob> {
    const name = typeof item.task === 'string' ? item.task : item.task.name;
    const definition = isTask(item.task) ? item.task : this.tasks.get(name);
    const options = item.options ?? {};
    let payload = item.payload === undefined ? null : item.payload;
    if (definition?.payload) {
      const check = await validatePayload(definition.payload, payload);
      if (!check.ok) {
        throw new LockstepError(`invalid payload for task "${name}": ${check.message}`, {
          hint: 'Fix the payload; the job was not enqueued.',
        });
      }
      // Store what the caller sent (not the parsed output): the worker validates again
      // and parses it then, with the task version it runs.
    }
    const runAt = options.runAt === undefined ? null : new Date(options.runAt);
    if (runAt && Number.isNaN(runAt.getTime())) {
      throw new LockstepError(`runAt "${String(options.runAt)}" is not a date`, { hint: 'Use a Date or an ISO 8601 string, e.g. 2030-01-01T09:00:00Z.' });
    }
    if (!definition && this.tasks.size > 0) {
      throw new LockstepError(`no task named "${name}" among this queue's tasks`, { hint: `Known tasks: ${[...this.tasks.keys()].join(', ')}.` });
    }
    const maxAttempts = options.maxAttempts ?? definition?.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
    if (!Number.isInteger(maxAttempts) || maxAttempts < 1) throw new LockstepError(`maxAttempts must be a positive integer, found ${maxAttempts}`);
    const priority = options.priority ?? definition?.priority ?? 0;
    if (!Number.isInteger(priority)) throw new LockstepError(`priority must be an integer, found ${priority}`);
    payload = JSON.parse(JSON.stringify(payload) ?? 'null');
    return {
      ...flowKeys(definition, payload),
      task: name,
      queue: options.queue ?? definition?.queue ?? DEFAULT_QUEUE,
      payload,
      key: options.key ?? null,
      runAt,
      priority,
      maxAttempts,
    };
  }

  /** A job with its events and timeline, or null. */
  async getJob(id: number): Promise<JobDetails | null> {
    const job = await this.store.getJob(id);
    if (!job) return null;
    const [events, logs, steps, children] = await Promise.all([this.store.jobEvents(id), this.store.jobLogs(id), this.store.jobSteps(id), this.store.childJobs(id)]);
    return { ...job, events, timeline: timeline(job, events), logs, steps, children };
  }

  /** Newest first. */
  listJobs(filter: ListJobsFilter = {}): Promise<JobRecord[]> {
    return this.store.listJobs(filter);
  }

  /** Re-queues a dead, cancelled or waiting job to run now with fresh attempts. */
  async retryJob(id: number): Promise<JobRecord> {
    const job = await this.store.retryJob(id);
    if (job) return job;
    throw await this.refusal(id, 'retried', 'only dead, cancelled or queued jobs can be retried');
  }

  /** Cancels a queued or running job; a running job's signal is aborted within a heartbeat. */
  async cancelJob(id: number): Promise<JobRecord> {
    const job = await this.store.cancelJob(id);
    if (job) return job;
    throw await this.refusal(id, 'cancelled', 'only queued or running jobs can be cancelled');
  }

  private async refusal(id: number, verb: string, rule: string): Promise<LockstepError> {
    const current = await this.store.getJob(id);
    if (!current) return new LockstepError(`job ${id} does not exist`, { hint: 'List jobs with `lockstep jobs list`.' });
    return new LockstepError(`job ${id} is ${current.state} and cannot be ${verb}: ${rule}`);
  }

  /** Counts by queue and state, lag, expired leases, recent failures. */
  stats(options?: { maxAgeMs?: number }): Promise<QueueStats> {
    return this.store.stats(options);
  }

  /** Registered workers with heartbeat age and running jobs. */
  workers(): Promise<WorkerInfo[]> {
    return this.store.workers();
  }

  /**
   * Pauses a queue: no worker claims its jobs (checked in the claim itself) until
   * `resumeQueue`. Running jobs finish; enqueues still go in.
   *
   * @example
   * await queue.pauseQueue('emails');
   */
  pauseQueue(name: string): Promise<void> {
    return this.store.pauseQueue(checkQueueName(name));
  }

  /** Resumes a paused queue and wakes the workers. */
  resumeQueue(name: string): Promise<void> {
    return this.store.resumeQueue(checkQueueName(name));
  }

  /** Queues that have jobs or are paused, with their pause state. */
  queues(): Promise<QueueInfo[]> {
    return this.store.queues();
  }

  /** Per-minute succeeded/failed/dead counts per queue since `since` (default the last hour). */
  history(since: Date = new Date(Date.now() - 3_600_000)): Promise<QueueHistoryPoint[]> {
    return this.store.history(since);
  }

  /** Every attempt of a job, with its start, end and outcome, oldest first. */
  jobAttempts(id: number): Promise<JobAttempt[]> {
    return this.store.jobAttempts(id);
  }

  /** How many jobs match a filter (for pagination). */
  countJobs(filter: ListJobsFilter = {}): Promise<number> {
    return this.store.countJobs(filter);
  }

  /**
   * Retries, cancels or deletes every job matching the filter that allows it (`ids` for
   * a selection). Returns the ids acted on.
   *
   * @example
   * await queue.bulk('retry', { state: 'dead', task: 'sync-item' });
   */
  bulk(action: BulkAction, filter: ListJobsFilter): Promise<number[]> {
    return this.store.bulk(action, filter);
  }

  /** Deletes finished jobs older than `olderThanMs` (default 7 days). */
  prune(olderThanMs = 7 * 86_400_000): Promise<number> {
    return this.store.prune(olderThanMs);
  }

  async close(): Promise<void> {
    const listener = this.finishedListener;
    this.finishedListener = undefined;
    if (listener) await (await listener.catch(() => async () => {}))();
    return this.closeStore();
  }
}

function checkQueueName(name: string): string {
  if (typeof name !== 'string' || name.length === 0 || name.length > 200) throw new LockstepError(`"${String(name)}" is not a queue name`, { hint: 'Queue names are 1 to 200 characters, e.g. default.' });
  return name;
}

function timeline(job: JobRecord, events: JobEvent[]): TimelineEntry[] {
  const entries: TimelineEntry[] = [{ at: job.createdAt, kind: 'created', attempt: null, message: null, workerId: null }];
  for (const e of events) entries.push({ at: e.at, kind: e.kind, attempt: e.attempt, message: e.message, workerId: e.workerId });
  if (job.startedAt) entries.push({ at: job.startedAt, kind: 'started', attempt: startedAttempt(job, events), message: null, workerId: job.workerId });
  if (job.finishedAt) entries.push({ at: job.finishedAt, kind: 'finished', attempt: job.attempt, message: job.state, workerId: job.workerId });
  // Same-millisecond entries keep their life order: created, events, started, finished.
  const rank = (e: TimelineEntry) => (e.kind === 'created' ? 0 : e.kind === 'started' ? 2 : e.kind === 'finished' ? 3 : 1);
  return entries.sort((a, b) => a.at.getTime() - b.at.getTime() || rank(a) - rank(b));
}

/** The `jobs show --json` shape of a job. */
export function jobJson(job: JobRecord | JobDetails): JobJson {
  const details = 'steps' in job ? job : undefined;
  return {
    id: job.id,
    task: job.task,
    queue: job.queue,
    state: job.state,
    attempt: job.attempt,
    maxAttempts: job.maxAttempts,
    progress: shownProgress(job),
    runAt: job.runAt.toISOString(),
    createdAt: job.createdAt.toISOString(),
    startedAt: job.startedAt?.toISOString() ?? null,
    finishedAt: job.finishedAt?.toISOString() ?? null,
    lastError: job.lastError,
    key: job.key,
    result: job.result,
    parentId: job.parentId,
    ...(details && {
      logs: details.logs.map((l) => ({ attempt: l.attempt, at: l.at.toISOString(), level: l.level, message: l.message })),
      steps: summarizeSteps(details.steps),
      children: details.children.map((c) => ({ id: c.id, task: c.task, state: c.state, result: c.result, lastError: c.lastError })),
    }),
  };
}
