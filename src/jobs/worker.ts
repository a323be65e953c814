import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { errorMessage, LockstepError } from '../core/errors.js';
import { retryDelayMs } from './backoff.js';
import { CronScheduler } from './cron-scheduler.js';
import { consoleLogger, jobLogger, type WorkerLogger } from './job-logger.js';
import type { ClaimedJob, Completion, JobStore, Lease } from './job-store.js';
import { JOBS_SCHEMA_VERSION } from './jobs-schema-version.js';
import { openJobStore, type JobStoreTarget } from './open-job-store.js';
import { isPermanentError } from './permanent-error.js';
import { ProgressTracker } from './progress-tracker.js';
import { type AppSchemaGuard, assertAppSchema, assertJobsSchema, evaluateAppSchema } from './schema-guard.js';
import { validatePayload } from './standard-schema.js';
import { type Task, type TaskContext, taskMap } from './task.js';

export interface WorkerOptions extends JobStoreTarget {
  tasks: Iterable<Task<any>> | Record<string, Task<any>>;
  /** Queues to take jobs from; default every queue (of the tasks this worker knows). */
  queues?: string[];
  /** Jobs run at once. Default 10. */
  concurrency?: number;
  /** Lease length: a job whose worker stops renewing it is rescued this long after the last renewal. Default 30 s. */
  leaseMs?: number;
  /** Lease renewal period. Default leaseMs / 3. */
  heartbeatMs?: number;
  /** How often this worker looks for expired leases. Default leaseMs / 2. */
  rescueIntervalMs?: number;
  /** On stop, how long running jobs may finish before they are handed back. Default 10 s. */
  shutdownTimeoutMs?: number;
  /** Polling fallback. Default 1 s on PostgreSQL (LISTEN/NOTIFY wakes it sooner), 200 ms on SQLite. */
  pollIntervalMs?: number;
  /** Progress flush period. Default 500 ms. */
  progressIntervalMs?: number;
  /** Finished jobs older than this are deleted. Default 7 days; 0 turns pruning off. */
  retentionMs?: number;
  pruneIntervalMs?: number;
  workerId?: string;
  /** Stop gracefully on SIGTERM/SIGINT (a second signal stops at once). Default false. */
  handleSignals?: boolean;
  logger?: WorkerLogger;
  /** When set, the worker runs only on an application database this build is compatible with (docs/deploys.md). */
  appSchema?: AppSchemaGuard;
  /**
   * What to do when the application database cannot run this build: `exit` (default:
   * `runWorker` throws SchemaGuardError, the CLI exits 3) or `wait` (stay up, claim
   * nothing, report not ready, re-check every `driftRecheckMs` and start once it can run).
   */
  onDrift?: 'exit' | 'wait';
  /** How often a waiting worker re-checks the schema. Default 5 s. */
  driftRecheckMs?: number;
  /**
   * The process exits once the worker has stopped (the CLI worker): jobs whose handlers
   * ignore their abort signal are handed back too, since exiting ends them. Default: true
   * with `handleSignals`.
   */
  exitOnStop?: boolean;
}

export type StopReason = 'stopped' | 'signal' | 'jobs-schema-changed';

export interface Worker {
  readonly id: string;
  /** Connections this worker opens at most: pool + listener. */
  readonly connectionBudget: number;
  /** Stops claiming, lets running jobs finish up to the shutdown timeout, hands the rest back. */
  stop(): Promise<void>;
  /** Resolves when the worker has stopped, with why. */
  readonly done: Promise<StopReason>;
  /** Whether the worker claims jobs: false while it waits for the schema (`onDrift: 'wait'`) or fenced itself. */
  readiness(): { ready: boolean; reason?: string };
}

interface RunningJob {
  job: ClaimedJob;
  lease: Lease;
  controller: AbortController;
  progress: ProgressTracker;
  /** The handler returned or threw, or was abandoned after an abort (its result no longer counts). */
  returned?: boolean;
  /** The handler's promise itself has settled: it can no longer run. */
  settled: boolean;
  /** Lease lost, job cancelled or handed back: nothing more may be written for this claim. */
  abandoned: boolean;
}

class AbortReason extends Error {
  constructor(
    readonly kind: 'cancelled' | 'timeout' | 'shutdown' | 'lease-lost',
    message: string,
  ) {
    super(message);
    this.name = 'AbortError';
  }
}

/**
 * Starts a worker: checks the jobs tables (and the application schema when asked), then
 * claims and runs jobs until stopped.
 *
 * @example
 * const worker = await runWorker({ url: process.env.DATABASE_URL, tasks: [syncItem], concurrency: 20, handleSignals: true });
 * await worker.done;
 */
export async function runWorker(options: WorkerOptions): Promise<Worker> {
  const tasks = taskMap(options.tasks);
  if (tasks.size === 0) throw new LockstepError('the worker has no tasks', { hint: 'Pass tasks made with task(name, { run }).' });
  const log = options.logger ?? consoleLogger();
  const onDrift = options.onDrift ?? 'exit';
  const verdict = options.appSchema ? (onDrift === 'exit' ? await assertAppSchema(options.appSchema, log) : await evaluateAppSchema(options.appSchema, log)) : undefined;
  const opened = await openJobStore({ ...options, applicationName: options.applicationName ?? 'lockstep-worker' });
  try {
    await assertJobsSchema(opened.store, opened.db.displayUrl);
    const worker = new JobWorker(opened.store, tasks, options, opened.close);
    if (verdict && !verdict.ready) worker.waitForSchema(verdict.message);
    await worker.start();
    return worker;
  } catch (error) {
    await opened.close();
    throw error;
  }
}

class JobWorker implements Worker {
  readonly id: string;
  readonly connectionBudget: number;
  readonly done: Promise<StopReason>;
  private resolveDone!: (reason: StopReason) => void;
  private readonly concurrency: number;
  private readonly leaseMs: number;
  private readonly pollMs: number;
  private readonly shutdownTimeoutMs: number;
  private readonly log: WorkerLogger;
  private readonly running = new Map<number, RunningJob>();
  private executing = 0;
  private saturated = false;
  private stopping = false;
  private stopPromise: Promise<void> | undefined;
  private stopReason: StopReason = 'stopped';
  private wakePending = false;
  private wakeWaiter: (() => void) | undefined;
  private loop: Promise<void> | undefined;
  private timers: NodeJS.Timeout[] = [];
  private unlisten: (() => Promise<void>) | undefined;
  private cron: CronScheduler;
  private completions: { item: Completion; resolve: () => void }[] = [];
  private completing: Promise<void> | undefined;
  private heartbeatRunning = false;
  private signalHandlers: [NodeJS.Signals, () => void][] = [];
  /** Why the worker claims nothing right now (waiting for the schema), or undefined. */
  private schemaWait: string | undefined;
  /** When the leases were last renewed; the lease keeper fences the worker when this gets too old. */
  private lastRenewal = Date.now();
  /** Fenced: renewals failed for most of a lease, so every handler was aborted and nothing is claimed. */
  private fenced = false;

  constructor(
    private readonly store: JobStore,
    private readonly tasks: Map<string, Task<any>>,
    private readonly options: WorkerOptions,
    private readonly closeStore: () => Promise<void>,
  ) {
    this.id = options.workerId ?? `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
    this.connectionBudget = store.connectionBudget;
    this.concurrency = Math.max(1, options.concurrency ?? 10);
    this.leaseMs = Math.max(100, options.leaseMs ?? 30_000);
    this.pollMs = options.pollIntervalMs ?? store.defaultPollIntervalMs;
    this.shutdownTimeoutMs = options.shutdownTimeoutMs ?? 10_000;
    this.log = options.logger ?? consoleLogger();
    this.cron = new CronScheduler(store, [...tasks.values()], this.log);
    this.done = new Promise((resolve) => (this.resolveDone = resolve));
  }

  async start(): Promise<void> {
    await this.store.registerWorker({
      id: this.id,
      hostname: hostname(),
      pid: process.pid,
      queues: this.options.queues ?? null,
      tasks: [...this.tasks.keys()],
      concurrency: this.concurrency,
    });
    this.unlisten = await this.store.listen(
      (event) => {
        // A cancellation: renew now, which finds the cancelled job and aborts its signal.
        if (event === 'cancel') void this.heartbeat().catch((e) => this.log.error(`worker ${this.id}: ${errorMessage(e)}`));
        else this.wake();
      },
      // The LISTEN connection says when it drops and comes back (it retries for as long as the worker runs).
      { onStatus: (message) => (/connected$/.test(message) ? this.log.info(`worker ${this.id}: ${message}`) : this.log.warn(`worker ${this.id}: ${message}`)) },
    );
    const every = (ms: number, fn: () => Promise<unknown>) => {
      const timer = setInterval(() => void fn().catch((e) => this.log.error(`worker ${this.id}: ${errorMessage(e)}`)), ms);
      this.timers.push(timer);
    };
    const heartbeatMs = this.options.heartbeatMs ?? Math.max(50, Math.floor(this.leaseMs / 3));
    every(heartbeatMs, () => this.heartbeat());
    // The lease keeper fences this worker when it could not renew for most of a lease:
    // past that point another worker may rescue the jobs, so every handler here is aborted
    // and nothing of theirs is written, and nothing new is claimed until a renewal works.
    const fenceAfterMs = this.leaseMs - Math.min(heartbeatMs, Math.floor(this.leaseMs / 4));
    const fenceTimer = setInterval(() => this.fenceIfStale(fenceAfterMs), Math.max(10, Math.floor(heartbeatMs / 2)));
    this.timers.push(fenceTimer);
    // Jitter spreads the rescue scans of many workers started together.
    // Maintenance (rescue, planner statistics, pruning) is done by one elected worker per
    // interval, not by all: the oldest worker whose heartbeat is fresh (see isMaintainer).
    // Jitter spreads the checks of many workers started together.
    every(Math.max(50, Math.floor((this.options.rescueIntervalMs ?? this.leaseMs / 2) * (0.8 + Math.random() * 0.4))), async () => {
      if (await this.isMaintainer()) await this.rescue();
    });
    every(this.options.progressIntervalMs ?? 500, () => this.flushProgress());
    every(5000, async () => {
      if (await this.isMaintainer()) await this.store.maintain();
    });
    const retentionMs = this.options.retentionMs ?? 7 * 86_400_000;
    if (retentionMs > 0) {
      every(this.options.pruneIntervalMs ?? 600_000, async () => {
        if (await this.isMaintainer()) await this.store.prune(retentionMs);
      });
    }
    await this.cron.start();
    if (this.options.handleSignals) this.installSignalHandlers();
    await this.rescue().catch(() => {});
    await this.store.maintain().catch((e) => this.log.warn(`worker ${this.id}: maintenance failed: ${errorMessage(e)}`));
    this.log.info(
      `worker ${this.id} started: tasks ${[...this.tasks.keys()].join(', ')}; queues ${this.options.queues?.join(', ') ?? 'all'}; concurrency ${this.concurrency}; lease ${this.leaseMs} ms; at most ${this.connectionBudget} connections`,
    );
    this.loop = this.claimLoop();
  }

  readiness(): { ready: boolean; reason?: string } {
    if (this.stopping) return { ready: false, reason: 'stopping' };
    if (this.schemaWait !== undefined) return { ready: false, reason: `waiting for the schema: ${this.schemaWait}` };
    if (this.fenced) return { ready: false, reason: 'fenced: cannot renew leases' };
    return { ready: true };
  }

  /** `onDrift: 'wait'`: claim nothing until the application schema can run this build. */
  waitForSchema(message: string): void {
    this.schemaWait = message.split('\n').find((l) => l.trim().startsWith('✗'))?.trim() ?? 'the database cannot run this build yet';
    this.log.warn(`worker ${this.id}: the database cannot run this build yet; waiting (re-checking every ${this.driftRecheckMs} ms):\n${message}`);
    const recheck = async () => {
      if (this.stopping || this.schemaWait === undefined) return;
      const verdict = await evaluateAppSchema(this.options.appSchema!);
      if (!verdict.ready) {
        this.schemaWait = verdict.message.split('\n').find((l) => l.trim().startsWith('✗'))?.trim() ?? this.schemaWait;
        return;
      }
      this.schemaWait = undefined;
      this.log.info(`worker ${this.id}: the schema caught up; claiming jobs`);
      this.wake();
    };
    const timer = setInterval(() => void recheck().catch((e) => this.log.error(`worker ${this.id}: schema re-check failed: ${errorMessage(e)}`)), this.driftRecheckMs);
    this.timers.push(timer);
  }

  private get exitsOnStop(): boolean {
    return this.options.exitOnStop ?? Boolean(this.options.handleSignals);
  }

  private get driftRecheckMs(): number {
    return this.options.driftRecheckMs ?? 5000;
  }

  stop(): Promise<void> {
    this.stopPromise ??= this.shutdown();
    return this.stopPromise;
  }

  // --- claiming -----------------------------------------------------------------------

  private wake(): void {
    this.wakePending = true;
    const waiter = this.wakeWaiter;
    this.wakeWaiter = undefined;
    waiter?.();
  }

  private waitForWake(timeoutMs: number): Promise<void> {
    if (this.wakePending || this.stopping) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.wakeWaiter = undefined;
        resolve();
      }, timeoutMs);
      this.wakeWaiter = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }

  private async claimLoop(): Promise<void> {
    let failures = 0;
    while (!this.stopping) {
      const free = this.concurrency - this.executing;
      if (free <= 0 || this.schemaWait !== undefined || this.fenced) {
        await this.waitForWake(this.pollMs);
        this.wakePending = false;
        continue;
      }
      this.wakePending = false;
      let claimed: ClaimedJob[];
      try {
        claimed = await this.store.claim({
          workerId: this.id,
          queues: this.options.queues ?? null,
          tasks: [...this.tasks.keys()],
          limit: free,
          leaseMs: this.leaseMs,
        });
        failures = 0;
      } catch (error) {
        failures++;
        this.log.error(`worker ${this.id}: claiming failed (${errorMessage(error)}); retrying`);
        await sleep(Math.min(5000, 100 * 2 ** failures));
        continue;
      }
      if (this.stopping) {
        await this.store.release(claimed.map((j) => ({ id: j.id, token: j.leaseToken })), this.id, 'worker stopping').catch(() => {});
        break;
      }
      for (const job of claimed) this.startJob(job);
      this.saturated = claimed.length === free;
      if (!this.saturated) await this.waitForWake(this.pollMs);
    }
  }

  private startJob(job: ClaimedJob): void {
    const entry: RunningJob = {
      job,
      lease: { id: job.id, token: job.leaseToken },
      controller: new AbortController(),
      progress: new ProgressTracker(),
      settled: false,
      abandoned: false,
    };
    this.running.set(job.id, entry);
    this.executing++;
    void this.execute(entry)
      .catch((error) => this.log.error(`job ${job.id}: ${errorMessage(error)}`))
      .finally(() => {
        this.executing--;
        if (this.saturated || this.stopping) this.wake();
      });
  }

  // --- running a job ------------------------------------------------------------------

  private async execute(entry: RunningJob): Promise<void> {
    const { job } = entry;
    const task = this.tasks.get(job.task)!;
    const label = `job ${job.id} (${job.task}) attempt ${job.attempt}/${job.maxAttempts}`;
    let handler: Promise<unknown> | undefined;
    try {
      await this.settle(entry, task, label, job.payload, job, (h) => (handler = h));
    } finally {
      // The slot is free only when the handler itself has returned: a handler that ignores
      // its abort signal (timeout, cancel, lost lease) keeps its slot, so this worker never
      // runs more handlers at once than its concurrency.
      if (handler) await handler.catch(() => {});
      entry.settled = true;
    }
  }

  private async settle(entry: RunningJob, task: Task<any>, label: string, payload: unknown, job: ClaimedJob, onHandler: (h: Promise<unknown>) => void): Promise<void> {
    let failure: { error: unknown; permanent: boolean } | undefined;
    let handler: Promise<unknown> | undefined;
    if (task.payload) {
      const check = await validatePayload(task.payload, payload).catch((e) => ({ ok: false as const, message: errorMessage(e) }));
      if (check.ok) payload = check.value;
      // A payload that does not validate now never will: dead at once, not retried.
      else failure = { error: new Error(`invalid payload: ${check.message}`), permanent: true };
    }
    if (!failure) {
      const ctx: TaskContext = {
        job: { id: job.id, attempt: job.attempt, maxAttempts: job.maxAttempts, task: job.task, queue: job.queue },
        progress: (done, total) => entry.progress.update(done, total),
        signal: entry.controller.signal,
        log: jobLogger(this.log, `job ${job.id} (${job.task})`),
      };
      let timer: NodeJS.Timeout | undefined;
      if (task.timeoutMs) {
        timer = setTimeout(() => this.abort(entry, new AbortReason('timeout', `timed out after ${task.timeoutMs} ms`)), task.timeoutMs);
      }
      handler = Promise.resolve().then(() => task.run(payload, ctx));
      onHandler(handler);
      try {
        await Promise.race([handler, abortedPromise(entry.controller.signal)]);
      } catch (error) {
        const reason = entry.controller.signal.aborted ? entry.controller.signal.reason : undefined;
        failure = { error: reason instanceof AbortReason && reason.kind === 'timeout' ? reason : error, permanent: isPermanentError(error) };
      } finally {
        clearTimeout(timer);
      }
    }
    entry.returned = true;
    if (entry.abandoned) {
      this.running.delete(job.id);
      return;
    }
    if (!failure) {
      void this.complete({ ...entry.lease, progress: entry.progress.final() }).finally(() => this.running.delete(job.id));
      return;
    }
    try {
      const dead = failure.permanent || job.attempt >= job.maxAttempts;
      const retryInMs = dead ? null : retryDelayMs(job.attempt, task.backoff);
      const message = errorText(failure.error);
      const written = await this.store.fail({
        ...entry.lease,
        attempt: job.attempt,
        error: message,
        retryInMs,
        progress: entry.progress.final(),
        workerId: this.id,
      });
      if (!written) this.log.warn(`${label} failed, but its lease was lost meanwhile: the failure was not recorded`);
      else if (dead) this.log.warn(`${label} is dead: ${message}`);
      else this.log.warn(`${label} failed: ${message}`, { retryInMs });
    } catch (error) {
      this.log.error(`${label}: recording its failure failed (${errorMessage(error)}); the lease will expire and the job run again`);
    } finally {
      this.running.delete(job.id);
    }
  }

  private abort(entry: RunningJob, reason: AbortReason): void {
    if (reason.kind !== 'timeout') entry.abandoned = true;
    if (!entry.controller.signal.aborted) entry.controller.abort(reason);
  }

  /** Queues a completion; completions that arrive while a write is in flight go out together. */
  private complete(item: Completion): Promise<void> {
    return new Promise((resolve) => {
      this.completions.push({ item, resolve });
      this.completing ??= this.drainCompletions().finally(() => (this.completing = undefined));
    });
  }

  private async drainCompletions(): Promise<void> {
    let failures = 0;
    while (this.completions.length > 0) {
      const batch = this.completions.splice(0, 1000);
      try {
        const written = new Set(await this.store.complete(batch.map((b) => b.item)));
        for (const b of batch) {
          if (!written.has(b.item.id)) this.log.warn(`job ${b.item.id} finished, but its lease was lost meanwhile: another worker owns it now`);
          b.resolve();
        }
        failures = 0;
      } catch (error) {
        failures++;
        if (failures > 5 || (this.stopping && failures > 2)) {
          this.log.error(`recording ${batch.length} completion(s) failed (${errorMessage(error)}); their leases will expire and they will run again`);
          for (const b of batch) b.resolve();
          continue;
        }
        this.completions.unshift(...batch);
        await sleep(100 * 2 ** failures);
      }
    }
  }

  // --- leases, progress, rescue ---------------------------------------------------------

  private async heartbeat(): Promise<void> {
    if (this.heartbeatRunning) return;
    this.heartbeatRunning = true;
    try {
      const leases = [...this.running.values()].filter((e) => !e.abandoned).map((e) => e.lease);
      const lost = await this.store.heartbeat({ workerId: this.id, leases, leaseMs: this.leaseMs });
      this.lastRenewal = Date.now();
      if (this.fenced) {
        this.fenced = false;
        this.log.info(`worker ${this.id}: leases renewed again; claiming jobs`);
        this.wake();
      }
      for (const { id, state } of lost) {
        const entry = this.running.get(id);
        if (!entry || entry.abandoned) continue;
        if (state === 'cancelled') this.abort(entry, new AbortReason('cancelled', 'the job was cancelled'));
        else if (!entry.settled || state === 'running' || state === 'queued') {
          this.log.warn(`job ${id}: lease lost (now ${state ?? 'deleted'}); stopping it here`);
          this.abort(entry, new AbortReason('lease-lost', `lost the lease (job is now ${state ?? 'deleted'})`));
        }
      }
      const version = await this.store.installedVersion();
      if (version !== JOBS_SCHEMA_VERSION && !this.stopping) {
        this.log.error(`worker ${this.id}: the jobs tables changed to version ${version} under this worker (expects ${JOBS_SCHEMA_VERSION}); stopping`);
        this.stopReason = 'jobs-schema-changed';
        void this.stop();
      }
    } finally {
      this.heartbeatRunning = false;
    }
  }

  /**
   * Whether this worker does the queue's maintenance now: the oldest registered worker
   * whose heartbeat is younger than a lease. When it dies, its heartbeat ages past the
   * lease (the moment its jobs' leases expire too) and the next oldest takes over.
   */
  private async isMaintainer(): Promise<boolean> {
    const now = Date.now();
    if (this.maintainerCache && now - this.maintainerCache.at < Math.min(1000, this.leaseMs / 4)) return this.maintainerCache.me;
    const live = (await this.store.workers()).filter((w) => w.heartbeatAgeMs < this.leaseMs);
    const me = live.length === 0 || live[0]!.id === this.id;
    this.maintainerCache = { at: now, me };
    return me;
  }

  private maintainerCache: { at: number; me: boolean } | undefined;

  private fenceIfStale(fenceAfterMs: number): void {
    const since = Date.now() - this.lastRenewal;
    if (this.fenced || this.stopping || since < fenceAfterMs) return;
    this.fenced = true;
    const victims = [...this.running.values()].filter((e) => !e.abandoned);
    this.log.error(`worker ${this.id}: could not renew its leases for ${since} ms (lease ${this.leaseMs} ms); fencing itself: aborting ${victims.length} job(s), claiming nothing until a renewal succeeds`);
    for (const entry of victims) this.abort(entry, new AbortReason('lease-lost', `fenced: leases not renewed for ${since} ms`));
  }

  private async rescue(): Promise<void> {
    if (this.stopping) return;
    const rescued = await this.store.rescueExpired(this.id);
    if (rescued > 0) {
      this.log.warn(`worker ${this.id}: ${rescued} job(s) had an expired lease and were put back in the queue`);
      this.wake();
    }
  }

  private async flushProgress(): Promise<void> {
    const now = Date.now();
    const writes = [];
    for (const entry of this.running.values()) {
      if (entry.settled || entry.abandoned) continue;
      const progress = entry.progress.take(now);
      if (progress) writes.push({ ...entry.lease, progress });
    }
    if (writes.length > 0) await this.store.saveProgress(writes);
  }

  // --- shutdown -----------------------------------------------------------------------

  private installSignalHandlers(): void {
    let count = 0;
    const onSignal = (signal: NodeJS.Signals) => () => {
      count++;
      this.stopReason = 'signal';
      if (count === 1) {
        this.log.info(`worker ${this.id}: ${signal}, finishing running jobs (up to ${this.shutdownTimeoutMs} ms)`);
        void this.stop();
      } else this.handBackNow();
    };
    for (const signal of ['SIGTERM', 'SIGINT'] as NodeJS.Signals[]) {
      const handler = onSignal(signal);
      process.on(signal, handler);
      this.signalHandlers.push([signal, handler]);
    }
  }

  private forceStop: (() => void) | undefined;

  private handBackNow(): void {
    this.forceStop?.();
  }

  private async shutdown(): Promise<void> {
    this.stopping = true;
    this.cron.stop();
    this.wake();
    await this.loop;
    // Let running handlers finish, up to the shutdown timeout (or a second signal).
    const deadline = Date.now() + this.shutdownTimeoutMs;
    let forced = false;
    const forcedPromise = new Promise<void>((resolve) => (this.forceStop = () => ((forced = true), resolve())));
    while (this.executing > 0 && Date.now() < deadline && !forced) {
      await Promise.race([sleep(Math.min(50, Math.max(1, deadline - Date.now()))), forcedPromise]);
    }
    const left = [...this.running.values()].filter((e) => !e.settled && !e.abandoned);
    for (const entry of left) this.abort(entry, new AbortReason('shutdown', 'the worker is shutting down'));
    // Give aborted handlers a moment to return; a job is handed back only when its handler
    // can no longer run: it returned, or this process is about to exit (the CLI worker).
    const graceEnd = Date.now() + 1000;
    while (left.some((e) => !e.settled) && Date.now() < graceEnd && !forced) await sleep(20);
    const stillRunning = left.filter((e) => !e.settled);
    const handBack = this.exitsOnStop ? left : left.filter((e) => e.settled);
    if (stillRunning.length > 0 && !this.exitsOnStop) {
      this.log.warn(
        `worker ${this.id}: ${stillRunning.length} handler(s) ignored the abort signal and still run; their jobs are not handed back (their leases lapse and they are rescued once these handlers can no longer write)`,
      );
    }
    if (handBack.length > 0) {
      try {
        const n = await this.store.release(handBack.map((e) => e.lease), this.id, `worker ${this.id} shut down before the job finished`);
        this.log.warn(`worker ${this.id}: handed ${n} unfinished job(s) back to the queue`);
      } catch (error) {
        this.log.error(`worker ${this.id}: handing jobs back failed (${errorMessage(error)}); their leases will expire`);
      }
    }
    await this.completing;
    await this.flushProgress().catch(() => {});
    for (const t of this.timers) clearInterval(t);
    for (const [signal, handler] of this.signalHandlers) process.off(signal, handler);
    await this.unlisten?.().catch(() => {});
    await this.store.unregisterWorker(this.id).catch(() => {});
    await this.closeStore().catch(() => {});
    this.log.info(`worker ${this.id} stopped (${this.stopReason})`);
    this.resolveDone(this.stopReason);
  }
}

function abortedPromise(signal: AbortSignal): Promise<never> {
  return new Promise((_, reject) => {
    if (signal.aborted) reject(signal.reason);
    else signal.addEventListener('abort', () => reject(signal.reason), { once: true });
  });
}

function errorText(error: unknown): string {
  if (error instanceof Error) return error.name && error.name !== 'Error' ? `${error.name}: ${error.message}` : error.message;
  return String(error);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
