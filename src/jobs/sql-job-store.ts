import { randomUUID } from 'node:crypto';
import { LockstepError } from '../core/errors.js';
import type { Database, Queryable } from '../dialects/database.js';
import { matchInserted, parseJson, rowToJob, rowToLog, rowToStep, toDate } from './job-rows.js';
import type { FlowLimit } from './flow-control.js';
import type {
  BulkAction,
  ClaimedJob,
  ClaimRequest,
  Completion,
  EnqueuedJob,
  Failure,
  JobAttempt,
  JobEvent,
  JobRecord,
  JobState,
  JobStore,
  JobStoreOptions,
  Lease,
  ListJobsFilter,
  LogLine,
  NewJob,
  ProgressWrite,
  QueueHistoryPoint,
  QueueInfo,
  QueueStats,
  StepRecord,
  StepWrite,
  Suspension,
  TransactionHandle,
  WorkerInfo,
  WorkerRegistration,
} from './job-store.js';
import { CANCEL_CHANNEL, FINISHED_CHANNEL, type HistoryDelta, JOBS_CHANNEL, type JobPlans, type NewAttempt, type NewEvent, type Sql } from './plans/job-plans.js';
import { jsonContains } from './json-match.js';
import { jobPlansFor } from './plans/index.js';
import { JobStoreReads } from './job-store-reads.js';


const PRUNE_BATCH = 5000;

/**
 * The jobs queue's one store: every rule of the state machine lives here, once, over the
 * `Database` seam; the SQL of each dialect lives in `plans/<dialect>.ts`. So the queue
 * works wherever a `Database` does, `sqlite::memory:` included, and both dialects wake
 * workers on the same events: an enqueue, a retry or rescue put back in the queue, a
 * release, a hand retry (channel `lockstep_jobs`) and a cancel (`lockstep_cancel`).
 *
 * @example
 * const store = createJobStore(await connect('sqlite::memory:'));
 * await store.install();
 * await store.enqueue([{ task: 'hello', queue: 'default', payload: {}, key: null, runAt: null, priority: 0, maxAttempts: 5 }]);
 */
export function createJobStore(db: Database, options: JobStoreOptions = {}): JobStore {
  return new SqlJobStore(db, jobPlansFor(db.dialect), options);
}

type Row = Record<string, unknown>;

class SqlJobStore implements JobStore {
  readonly dialect;
  readonly jobsTable: string;
  readonly defaultPollIntervalMs: number;
  readonly wakesOtherProcesses: boolean;
  readonly connectionBudget: number;

  constructor(
    private readonly db: Database,
    private readonly plans: JobPlans,
    options: JobStoreOptions,
  ) {
    this.dialect = plans.dialect;
    this.jobsTable = plans.jobsTable;
    this.defaultPollIntervalMs = plans.defaultPollIntervalMs;
    // The pool, plus what the store opens itself (LISTEN).
    this.connectionBudget = plans.poolSize(options.maxConnections) + plans.extraConnections;
    this.wakesOtherProcesses = plans.wakesOtherProcesses;
    this.reads = new JobStoreReads((sql) => this.run(sql), plans);
  }

  private readonly reads: JobStoreReads;

  private async run(sql: Sql, on: Queryable = this.db): Promise<Row[]> {
    return (await on.query<Row>(sql.sql, sql.params)).rows;
  }

  private wake(channel = JOBS_CHANNEL, payload = ''): Promise<void> {
    return this.db.notify(channel, payload);
  }

  async install(): Promise<{ from: number; to: number }> {
    return this.db.transaction(
      async (tx) => {
        if (this.plans.installLock) await tx.query(this.plans.installLock);
        await tx.exec(this.plans.createHistory);
        const from = await this.version(tx);
        for (const migration of this.plans.migrations) {
          if (migration.version <= from) continue;
          await tx.exec(migration.sql);
          await this.run(this.plans.recordMigration(migration, Date.now()), tx);
        }
        return { from, to: Math.max(from, ...this.plans.migrations.map((m) => m.version)) };
      },
      { immediate: true },
    );
  }

  private async version(on: Queryable): Promise<number> {
    const { rows } = await on.query<{ v: number | string | null }>(this.plans.installedVersion);
    return Number(rows[0]?.v ?? 0);
  }

  async installedVersion(): Promise<number> {
    const { rows } = await this.db.query<{ present: number | string | boolean }>(this.plans.historyPresent);
    return Number(rows[0]?.present ?? 0) > 0 ? this.version(this.db) : 0;
  }

  async enqueue(jobs: NewJob[], tx?: TransactionHandle): Promise<EnqueuedJob[]> {
    if (jobs.length === 0) return [];
    const on = tx ? this.db.adoptTransaction(tx) : this.db;
    const rows = await this.run(this.plans.enqueue(jobs, Date.now()), on);
    const { ids, missingKeys } = matchInserted(jobs, rows.map((r) => ({ id: Number(r.id), key: (r.key as string | null) ?? null })));
    const existing = new Map<string, number>();
    if (missingKeys.length > 0) {
      for (const row of await this.run(this.plans.existingKeys(missingKeys), on)) existing.set(String(row.key), Number(row.id));
    }
    const result = jobs.map((job, i) => {
      if (ids[i] !== null) return { id: ids[i]!, created: true };
      const id = existing.get(job.key!);
      // The job holding the key finished between our insert and the lookup: rare, and the
      // caller can simply enqueue again.
      if (id === undefined) throw new LockstepError(`enqueue of key "${job.key}" raced with that job finishing`, { hint: 'Enqueue again.' });
      return { id, created: false };
    });
    // Inside the caller's transaction on SQLite the wake-up may come before its commit;
    // the woken worker then finds nothing and polls again shortly.
    if (!this.plans.enqueueNotifies && result.some((r) => r.created)) await this.wake();
    return result;
  }

  /** Tasks claimed under flow limits by this store: finishing one of their jobs frees a slot, so it wakes workers. */
  private readonly limitedTasks = new Set<string>();
  /** Which path claims first; alternated so neither kind of job starves the other on a shared worker. */
  private limitedFirst = false;
  private rateLogPrunedAt = 0;
  /** Finished attempts counted since the last history flush, by queue and minute. */
  private pendingHistory = new Map<string, HistoryDelta>();

  async claim(request: ClaimRequest): Promise<ClaimedJob[]> {
    const flow = (request.flow ?? []).filter((f) => request.tasks.includes(f.task));
    if (flow.length === 0) return this.claimPlain(request);
    const limited = new Set(flow.map((f) => f.task));
    for (const t of limited) this.limitedTasks.add(t);
    const plainTasks = request.tasks.filter((t) => !limited.has(t));
    const plain = (limit: number) => (plainTasks.length > 0 && limit > 0 ? this.claimPlain({ ...request, tasks: plainTasks, limit }) : Promise.resolve([]));
    const slots = request.flowSlots ?? request.limit;
    const bounded = (limit: number) => (Math.min(limit, slots) > 0 ? this.claimLimited(request, flow, Math.min(limit, slots)) : Promise.resolve([]));
    this.limitedFirst = !this.limitedFirst;
    const first = await (this.limitedFirst ? bounded : plain)(request.limit);
    const second = await (this.limitedFirst ? plain : bounded)(request.limit - first.length);
    return [...first, ...second].sort((a, b) => a.id - b.id);
  }

  /**
   * Claims jobs of flow-limited tasks in one transaction: the plan's lock (PostgreSQL: per
   * task), then one statement that counts what runs and takes what fits, then the rate
   * log. A killed worker's job stays `running`, and so keeps its slot, until its lease is
   * rescued.
   */
  private async claimLimited(args: ClaimRequest, flow: FlowLimit[], limit: number): Promise<ClaimedJob[]> {
    const now = Date.now();
    const probe = this.plans.readyProbe({ ...args, tasks: flow.map((f) => f.task) }, now);
    if (probe && (await this.run(probe)).length === 0) return [];
    const rated = new Set(flow.filter((f) => f.rateLimit !== null).map((f) => f.task));
    const token = randomUUID();
    const rows = await this.db.transaction(
      async (tx) => {
        const lock = this.plans.flowLock(flow.map((f) => f.task));
        if (lock) await this.run(lock, tx);
        if (rated.size > 0 && now - this.rateLogPrunedAt > 10_000) {
          this.rateLogPrunedAt = now;
          await this.run(this.plans.pruneRateLog(flow, now), tx);
        }
        const claimed = await this.run(this.plans.claimLimited({ ...args, limit }, flow, token, now), tx);
        const ratedIds = claimed.filter((r) => rated.has(String(r.task))).map((r) => Number(r.id));
        if (ratedIds.length > 0) await this.run(this.plans.logRateStarts(ratedIds, now), tx);
        return claimed;
      },
      { immediate: true },
    );
    return rows.map((r) => this.claimedJob(r, token));
  }

  private claimedJob(r: Row, token: string): ClaimedJob {
    return {
      id: Number(r.id),
      task: String(r.task),
      queue: String(r.queue),
      payload: this.plans.jsonAsText ? JSON.parse(String(r.payload)) : (r.payload ?? null),
      attempt: Number(r.attempt),
      maxAttempts: Number(r.max_attempts),
      leaseToken: token,
    };
  }

  private count(queue: string, kind: 'succeeded' | 'failed' | 'dead', n = 1): void {
    const minute = Math.floor(Date.now() / 60_000) * 60_000;
    const key = `${minute}\u0000${queue}`;
    let point = this.pendingHistory.get(key);
    if (!point) this.pendingHistory.set(key, (point = { queue, minute, succeeded: 0, failed: 0, dead: 0 }));
    point[kind] += n;
  }

  async flushHistory(): Promise<void> {
    if (this.pendingHistory.size === 0) return;
    const points = [...this.pendingHistory.values()];
    this.pendingHistory = new Map();
    try {
      await this.run(this.plans.addHistory(points));
    } catch (error) {
      // Keep the counts for the next flush rather than lose them.
      for (const p of points) {
        const key = `${p.minute}\u0000${p.queue}`;
        const current = this.pendingHistory.get(key);
        if (current) {
          current.succeeded += p.succeeded;
          current.failed += p.failed;
          current.dead += p.dead;
        } else this.pendingHistory.set(key, p);
      }
      throw error;
    }
  }

  private async claimPlain(args: ClaimRequest): Promise<ClaimedJob[]> {
    const now = Date.now();
    // An idle poll must not take the write lock every time (SQLite).
    const probe = this.plans.readyProbe(args, now);
    if (probe && (await this.run(probe)).length === 0) return [];
    const token = randomUUID();
    const rows = await this.run(this.plans.claim(args, token, now));
    return rows.map((r) => this.claimedJob(r, token)).sort((a, b) => a.id - b.id);
  }

  async heartbeat(args: { workerId: string; leases: Lease[]; leaseMs: number }): Promise<{ id: number; state: JobState | null }[]> {
    const now = Date.now();
    const kept = new Set(args.leases.length > 0 ? (await this.run(this.plans.renewLeases(args.leases, args.leaseMs, now))).map((r) => Number(r.id)) : []);
    await this.run(this.plans.touchWorker(args.workerId, now));
    // The history is written in batches, one statement per worker per heartbeat.
    await this.flushHistory();
    const lost = args.leases.filter((l) => !kept.has(l.id)).map((l) => l.id);
    if (lost.length === 0) return [];
    const states = new Map((await this.run(this.plans.jobStates(lost))).map((r) => [Number(r.id), r.state as JobState]));
    return lost.map((id) => ({ id, state: states.get(id) ?? null }));
  }

  async complete(items: Completion[]): Promise<number[]> {
    if (items.length === 0) return [];
    const { lost, counts, parents } = this.plans.completed(await this.run(this.plans.complete(items, Date.now())), items);
    const gone = new Set(lost);
    const ids = (gone.size > 0 ? items.filter((i) => !gone.has(i.id)) : items).map((i) => i.id);
    for (const c of counts) this.count(c.queue, 'succeeded', c.n);
    // A finished job of a limited task frees a slot: wake the workers its limit held back.
    if (this.limitedTasks.size > 0 && counts.some((c) => this.limitedTasks.has(c.task))) await this.wake();
    if (ids.length > 0 && !this.plans.completeNotifies) await this.wake(FINISHED_CHANNEL, ids.join(','));
    if (parents.length > 0) await this.wakeParents(parents);
    return ids;
  }

  /** Parents waiting for children whose last child just finished become due now. */
  private async wakeParents(parentIds: number[], on: Queryable = this.db): Promise<void> {
    const woken = await this.run(this.plans.wakeParents(parentIds, Date.now()), on);
    if (woken.length > 0 && on === this.db) await this.wake();
  }

  /** After a job ends other than by completion: its waiters and its waiting parent hear of it. */
  private async finished(ids: number[]): Promise<void> {
    if (ids.length === 0) return;
    await this.wake(FINISHED_CHANNEL, ids.join(','));
    const parents = (await this.run(this.plans.parentsOf(ids))).map((r) => Number(r.parent_id));
    if (parents.length > 0) await this.wakeParents(parents);
  }

  async fail(f: Failure): Promise<boolean> {
    const now = Date.now();
    const written = await this.db.transaction(
      async (tx) => {
        const rows = await this.run(this.plans.fail(f, now), tx);
        if (rows.length === 0) return null;
        await this.events([{ jobId: f.id, attempt: f.attempt, kind: f.retryInMs === null ? 'dead' : 'failed', message: f.error, workerId: f.workerId }], now, tx);
        await this.attempts([{ jobId: f.id, attempt: f.attempt, outcome: f.retryInMs === null ? 'dead' : 'failed', error: f.error, workerId: f.workerId }], now, tx);
        return rows[0]!;
      },
      { immediate: true },
    );
    if (written) {
      this.count(String(written.queue), 'failed');
      if (f.retryInMs === null) this.count(String(written.queue), 'dead');
    }
    // A retry wakes workers like any job put back in the queue (one due later is found by
    // polling); so does a dead job of a limited task, which frees a slot.
    if (written && (f.retryInMs !== null || this.limitedTasks.has(String(written.task)))) await this.wake();
    if (written && f.retryInMs === null) await this.finished([f.id]);
    return written !== null;
  }

  private async events(events: NewEvent[], now: number, on: Queryable): Promise<void> {
    if (events.length > 0) await this.run(this.plans.insertEvents(events, now), on);
  }

  /** Keeps ended attempts (their start and end) so a retry does not overwrite them. */
  private async attempts(attempts: NewAttempt[], now: number, on: Queryable): Promise<void> {
    if (attempts.length > 0) await this.run(this.plans.insertAttempts(attempts, now), on);
  }

  async release(leases: Lease[], workerId: string, reason: string): Promise<number> {
    if (leases.length === 0) return 0;
    const now = Date.now();
    const count = await this.db.transaction(
      async (tx) => {
        const rows = await this.run(this.plans.release(leases, now), tx);
        await this.events(rows.map((r) => ({ jobId: Number(r.id), attempt: Number(r.attempt) + 1, kind: 'released' as const, message: reason, workerId })), now, tx);
        await this.attempts(rows.map((r) => ({ jobId: Number(r.id), attempt: Number(r.attempt) + 1, outcome: 'released', error: reason, workerId })), now, tx);
        return rows.length;
      },
      { immediate: true },
    );
    if (count > 0) await this.wake();
    return count;
  }

  async saveProgress(items: ProgressWrite[]): Promise<void> {
    if (items.length > 0) await this.run(this.plans.saveProgress(items, Date.now()));
  }

  async rescueExpired(workerId: string): Promise<number> {
    const now = Date.now();
    const probe = this.plans.expiredProbe(now);
    if (probe && (await this.run(probe)).length === 0) return 0;
    const dead: number[] = [];
    const count = await this.db.transaction(
      async (tx) => {
        const rows = await this.run(this.plans.rescueExpired(now), tx);
        dead.push(...rows.filter((r) => r.state === 'dead').map((r) => Number(r.id)));
        await this.events(
          rows.map((r) => ({ jobId: Number(r.id), attempt: Number(r.attempt), kind: r.state === 'dead' ? ('dead' as const) : ('rescued' as const), message: String(r.last_error), workerId })),
          now,
          tx,
        );
        await this.attempts(
          rows.map((r) => ({ jobId: Number(r.id), attempt: Number(r.attempt), outcome: 'lost', error: String(r.last_error), workerId: (r.worker_id as string | null) ?? null })),
          now,
          tx,
        );
        for (const r of rows) {
          this.count(String(r.queue), 'failed');
          if (r.state === 'dead') this.count(String(r.queue), 'dead');
        }
        return rows.length;
      },
      { immediate: true },
    );
    if (count > 0) await this.wake();
    if (dead.length > 0) await this.finished(dead);
    return count;
  }

  async registerWorker(worker: WorkerRegistration): Promise<void> {
    await this.run(this.plans.registerWorker(worker, Date.now()));
  }

  async unregisterWorker(id: string): Promise<void> {
    await this.flushHistory().catch(() => {});
    await this.run(this.plans.unregisterWorker(id));
  }

  async claimCronTick(task: string, tickAt: Date, job: NewJob): Promise<number | null> {
    const now = Date.now();
    const id = await this.db.transaction(
      async (tx) => {
        if ((await this.run(this.plans.insertCronTick(task, tickAt, now), tx)).length === 0) return null;
        const [enqueued] = await this.enqueueOn(tx, job);
        await this.run(this.plans.setCronTickJob(task, tickAt, enqueued!.id), tx);
        return enqueued!.id;
      },
      { immediate: true },
    );
    if (id !== null && !this.plans.enqueueNotifies) await this.wake();
    return id;
  }

  private async enqueueOn(tx: Queryable, job: NewJob): Promise<EnqueuedJob[]> {
    const rows = await this.run(this.plans.enqueue([job], Date.now()), tx);
    if (rows[0]) return [{ id: Number(rows[0].id), created: true }];
    const existing = await this.run(this.plans.existingKeys([job.key!]), tx);
    if (!existing[0]) throw new LockstepError(`enqueue of key "${job.key}" raced with that job finishing`, { hint: 'Enqueue again.' });
    return [{ id: Number(existing[0].id), created: false }];
  }

  async lastCronTick(task: string): Promise<Date | null> {
    const [row] = await this.run(this.plans.lastCronTick(task));
    return row?.t === null || row?.t === undefined ? null : toDate(row.t);
  }

  async maintain(): Promise<void> {
    const plan = this.plans.maintenance;
    if (!plan) return;
    const { rows } = await this.db.query<{ due: number | string | boolean }>(plan.check);
    if (Number(rows[0]?.due ?? 0) > 0) await this.db.exec(plan.run);
  }

  async prune(olderThanMs: number): Promise<number> {
    let total = 0;
    for (;;) {
      const plan = this.plans.pruneJobs(olderThanMs, PRUNE_BATCH, Date.now());
      const { rowCount } = await this.db.query(plan.sql, plan.params);
      total += rowCount;
      if (rowCount < PRUNE_BATCH) break;
    }
    await this.run(this.plans.pruneCronTicks(olderThanMs, Date.now()));
    await this.run(this.plans.pruneHistory(olderThanMs, Date.now()));
    await this.run(this.plans.pruneOldRateLog(olderThanMs, Date.now()));
    await this.run(this.plans.pruneWorkers(86_400_000, Date.now()));
    return total;
  }

  getJob(id: number): Promise<JobRecord | null> {
    return this.reads.getJob(id);
  }

  jobEvents(id: number): Promise<JobEvent[]> {
    return this.reads.jobEvents(id);
  }

  listJobs(filter: ListJobsFilter): Promise<JobRecord[]> {
    return this.reads.listJobs(filter);
  }

  async retryJob(id: number): Promise<JobRecord | null> {
    const now = Date.now();
    const row = await this.db.transaction(
      async (tx) => {
        await this.run(this.plans.archiveAttempts([id]), tx);
        const [r] = await this.run(this.plans.retryJob(id, now), tx);
        if (r) await this.events([{ jobId: id, attempt: 0, kind: 'retried', message: 'retried by hand', workerId: null }], now, tx);
        return r;
      },
      { immediate: true },
    );
    if (row) await this.wake();
    return row ? rowToJob(row, this.plans.jsonAsText) : null;
  }

  async cancelJob(id: number): Promise<JobRecord | null> {
    const now = Date.now();
    const children: number[] = [];
    const row = await this.db.transaction(
      async (tx) => {
        const [r] = await this.run(this.plans.cancelJob(id, now), tx);
        if (r) await this.events([{ jobId: id, attempt: Number(r.attempt), kind: 'cancelled', message: 'cancelled by hand', workerId: (r.worker_id as string | null) ?? null }], now, tx);
        // Cancelling a parent cancels its unfinished children (one level: theirs are cancelled when they are).
        if (r) children.push(...(await this.run(this.plans.cancelChildren(id, now), tx)).map((c) => Number(c.id)));
        if (children.length > 0) {
          await this.events(children.map((c) => ({ jobId: c, attempt: 0, kind: 'cancelled' as const, message: `parent job ${id} was cancelled`, workerId: null })), now, tx);
        }
        return r;
      },
      { immediate: true },
    );
    // The worker running it renews its leases at once and aborts the handler.
    if (row) await this.wake(CANCEL_CHANNEL, String(id));
    for (const child of children) await this.wake(CANCEL_CHANNEL, String(child));
    if (row) await this.finished([id, ...children]);
    return row ? rowToJob(row, this.plans.jsonAsText) : null;
  }

  stats(options: { maxAgeMs?: number } = {}): Promise<QueueStats> {
    return this.reads.stats(options);
  }

  async refreshStats(): Promise<QueueStats> {
    const stats = await this.reads.stats();
    const { ageMs: _, ...figures } = stats;
    await this.run(this.plans.saveStats(JSON.stringify(figures), Date.now()));
    return stats;
  }

  workers(): Promise<WorkerInfo[]> {
    return this.reads.workers();
  }

  async pauseQueue(queue: string): Promise<void> {
    await this.run(this.plans.pauseQueue(queue, Date.now()));
  }

  async resumeQueue(queue: string): Promise<void> {
    await this.run(this.plans.resumeQueue(queue));
    await this.wake();
  }

  queues(): Promise<QueueInfo[]> {
    return this.reads.queues();
  }

  history(since: Date): Promise<QueueHistoryPoint[]> {
    return this.reads.history(since);
  }

  jobAttempts(id: number): Promise<JobAttempt[]> {
    return this.reads.jobAttempts(id);
  }

  countJobs(filter: ListJobsFilter, cap?: number): Promise<number> {
    return this.reads.countJobs(filter, cap);
  }

  async bulk(action: BulkAction, filter: ListJobsFilter): Promise<number[]> {
    const ids = (await this.run(this.plans.matchingIds({ ...filter, limit: undefined, offset: undefined }))).map((r) => Number(r.id));
    const done: number[] = [];
    // Chunks keep each transaction short on a big selection.
    for (let i = 0; i < ids.length; i += 1000) {
      const chunk = ids.slice(i, i + 1000);
      if (action === 'delete') {
        done.push(...(await this.run(this.plans.deleteJobs(chunk))).map((r) => Number(r.id)));
        continue;
      }
      const now = Date.now();
      // One transaction per chunk, with the same events and kept attempts as one by one.
      const acted = await this.db.transaction(
        async (tx) => {
          if (action === 'retry') {
            await this.run(this.plans.archiveAttempts(chunk), tx);
            const rows = await this.run(this.plans.retryJobs(chunk, now), tx);
            await this.events(rows.map((r) => ({ jobId: Number(r.id), attempt: 0, kind: 'retried' as const, message: 'retried by hand (bulk)', workerId: null })), now, tx);
            return rows;
          }
          const rows = await this.run(this.plans.cancelJobs(chunk, now), tx);
          await this.events(
            rows.map((r) => ({ jobId: Number(r.id), attempt: Number(r.attempt), kind: 'cancelled' as const, message: 'cancelled by hand (bulk)', workerId: (r.worker_id as string | null) ?? null })),
            now,
            tx,
          );
          return rows;
        },
        { immediate: true },
      );
      if (acted.length > 0) await (action === 'retry' ? this.wake() : this.wake(CANCEL_CHANNEL, ''));
      done.push(...acted.map((r) => Number(r.id)));
    }
    return done.sort((a, b) => a - b);
  }

  async listen(onWake: (event: 'jobs' | 'cancel') => void, options: { onStatus?: (message: string) => void } = {}): Promise<() => Promise<void>> {
    let lost = false;
    return this.db.listen(
      [JOBS_CHANNEL, CANCEL_CHANNEL],
      (channel) => onWake(channel === CANCEL_CHANNEL ? 'cancel' : 'jobs'),
      {
        onStatus: (status) => {
          if (!options.onStatus) return;
          if (status.state === 'lost') {
            lost = true;
            options.onStatus(`LISTEN connection lost (${status.error}); polling every ${this.defaultPollIntervalMs} ms meanwhile`);
          } else if (status.state === 'reconnecting') options.onStatus(`LISTEN reconnecting (attempt ${status.attempt}, in ${status.delayMs} ms)`);
          else if (status.state === 'listening' && lost) {
            lost = false;
            options.onStatus('LISTEN connection back: connected');
          }
        },
      },
    );
  }

  // --- results, logs, durable steps and waiting (jobs schema v3) ------------------------

  async saveSteps(items: StepWrite[]): Promise<void> {
    if (items.length > 0) await this.run(this.plans.saveSteps(items, Date.now()));
  }

  async jobSteps(id: number): Promise<StepRecord[]> {
    return (await this.run(this.plans.jobSteps(id))).map((r) => rowToStep(r, this.plans.jsonAsText));
  }

  async appendLogs(lines: LogLine[]): Promise<void> {
    if (lines.length > 0) await this.run(this.plans.insertLogs(lines));
  }

  async jobLogs(id: number): Promise<LogLine[]> {
    return (await this.run(this.plans.jobLogs(id))).map(rowToLog);
  }

  async suspend(s: Suspension): Promise<number[] | null> {
    const now = Date.now();
    const result = await this.db.transaction(
      async (tx) => {
        let childIds: number[] = [];
        let step = s.step;
        if (s.children && s.children.length > 0) {
          const rows = await this.run(this.plans.enqueue(s.children.map((c) => ({ ...c, parentId: s.id })), now), tx);
          // Identity order is insertion order: the ids, sorted, are the children in the order given.
          childIds = rows.map((r) => Number(r.id)).sort((a, b) => a - b);
          if (childIds.length !== s.children.length) {
            throw new LockstepError(`job ${s.id}: ${s.children.length - childIds.length} child job(s) were not created (their key is held by another queued or running job)`, {
              hint: 'Children cannot take an idempotency key another job holds; drop the key or make it unique.',
            });
          }
          step = { ...step, wait: { kind: 'children', ids: childIds } };
        }
        await this.run(this.plans.saveSteps([step], now), tx);
        const rows = await this.run(this.plans.suspend(s, now), tx);
        if (rows.length === 0) throw new LeaseLost();
        await this.events([{ jobId: s.id, attempt: s.step.attempt, kind: 'waiting', message: s.message ?? null, workerId: s.workerId ?? null }], now, tx);
        return childIds;
      },
      { immediate: true },
    ).catch((error) => {
      if (error instanceof LeaseLost) return null;
      throw error;
    });
    if (result && result.length > 0) await this.wake();
    return result;
  }

  async resolveStep(jobId: number, name: string, result: unknown): Promise<StepRecord | null> {
    const [row] = await this.run(this.plans.resolveStep(jobId, name, result, Date.now()));
    if (row) return rowToStep(row, this.plans.jsonAsText);
    return (await this.jobSteps(jobId)).find((step) => step.name === name) ?? null;
  }

  async sendEvent(event: string, data: unknown, tx?: TransactionHandle): Promise<number> {
    const work = async (on: Queryable): Promise<number> => {
      const now = Date.now();
      const waits = (await this.run(this.plans.eventWaits(event), on)).filter((w) => jsonContains(data, this.plans.jsonAsText ? parseJson(w.match) : (w.match ?? null)));
      if (waits.length === 0) return 0;
      const resolved = await this.run(this.plans.resolveEventWaits(waits.map((w) => ({ jobId: Number(w.job_id), name: String(w.name) })), data, now), on);
      const ids = [...new Set(resolved.map((r) => Number(r.job_id)))];
      if (ids.length > 0) await this.run(this.plans.wakeJobs(ids, now), on);
      return ids.length;
    };
    const count = tx ? await work(this.db.adoptTransaction(tx)) : await this.db.transaction(work, { immediate: true });
    // Inside the caller's transaction the woken job becomes visible at its commit; workers poll.
    if (count > 0) await this.wake();
    return count;
  }

  async childJobs(parentId: number): Promise<JobRecord[]> {
    return (await this.run(this.plans.childJobs(parentId))).map((r) => rowToJob(r, this.plans.jsonAsText));
  }

  async deleteSteps(lease: Lease, names: string[]): Promise<void> {
    if (names.length > 0) await this.run(this.plans.deleteSteps(lease, names));
  }

  async listenFinished(onFinished: (ids: number[] | null) => void): Promise<() => Promise<void>> {
    return this.db.listen([FINISHED_CHANNEL], (_channel, payload) => {
      onFinished(payload ? payload.split(',').map(Number) : null);
    });
  }

  async close(): Promise<void> {
    await this.flushHistory().catch(() => {});
  }
}

class LeaseLost extends Error {}

