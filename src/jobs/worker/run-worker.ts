import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { errorMessage, LockstepError } from '../../core/errors.js';
import { CronScheduler } from '../cron-scheduler.js';
import { type FlowLimit, flowLimits } from '../flow-control.js';
import { consoleLogger, type WorkerLogger } from '../job-logger.js';
import type { ClaimedJob, JobStore } from '../job-store.js';
import { JOBS_SCHEMA_VERSION } from '../jobs-schema-version.js';
import { openJobStore } from '../open-job-store.js';
import { assertAppSchema, assertJobsSchema, evaluateAppSchema } from '../schema-guard.js';
import { type Task, taskMap } from '../task.js';
import { CompletionBatcher } from './completion-batcher.js';
import { AbortReason, JobRunner } from './job-runner.js';
import { JournalWriter } from './journal-writer.js';
import { LeaseKeeper } from './lease-keeper.js';
import { Maintenance } from './maintenance.js';
import { sleep, WakeSignal } from './wake-signal.js';
import type { StopReason, Worker, WorkerOptions } from './worker-options.js';

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

/**
 * The worker: a claim loop that fills free slots, and the parts it coordinates: the job
 * runner (slots, handlers, outcomes), the completion batcher, the lease keeper (renewal
 * and self-fencing), the elected maintenance, cron, and the shutdown.
 */
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
  private readonly wakeSignal = new WakeSignal();
  private readonly completions: CompletionBatcher;
  private readonly runner: JobRunner;
  private readonly leases: LeaseKeeper;
  private readonly maintenance: Maintenance;
  private readonly cron: CronScheduler;
  private readonly prefetch: number;
  /** Claimed, not started yet (at most `prefetch` beyond the free slots). */
  private buffer: ClaimedJob[] = [];
  private saturated = false;
  private stopping = false;
  private stopPromise: Promise<void> | undefined;
  private stopReason: StopReason = 'stopped';
  private loop: Promise<void> | undefined;
  private timers: NodeJS.Timeout[] = [];
  private unlisten: (() => Promise<void>) | undefined;
  private signalHandlers: [NodeJS.Signals, () => void][] = [];
  private forceStop: (() => void) | undefined;
  /** Why the worker claims nothing right now (waiting for the schema), or undefined. */
  private schemaWait: string | undefined;
  /** Flow control of the tasks that have any, passed to every claim (enforced in its SQL). */
  private readonly flow: FlowLimit[];

  constructor(
    private readonly store: JobStore,
    private readonly tasks: Map<string, Task<any>>,
    private readonly options: WorkerOptions,
    private readonly closeStore: () => Promise<void>,
  ) {
    this.id = options.workerId ?? `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
    this.connectionBudget = store.connectionBudget;
    this.concurrency = Math.max(1, options.concurrency ?? 10);
    this.prefetch = Math.max(0, Math.floor(options.prefetch ?? 0));
    this.leaseMs = Math.max(100, options.leaseMs ?? 30_000);
    this.pollMs = options.pollIntervalMs ?? store.defaultPollIntervalMs;
    this.shutdownTimeoutMs = options.shutdownTimeoutMs ?? 10_000;
    this.log = options.logger ?? consoleLogger();
    const stopping = () => this.stopping;
    this.completions = new CompletionBatcher(store, this.log, stopping, (items) => this.runner.completed(items));
    this.runner = new JobRunner({
      store,
      tasks,
      log: this.log,
      workerId: this.id,
      completions: this.completions,
      journal: new JournalWriter(store),
      onSlotFreed: () => {
        this.startBuffered();
        // Refill when the buffer ran half empty (claims in batches, not one per freed slot).
        if (this.stopping || (this.saturated && this.buffer.length <= this.prefetch / 2)) this.wakeSignal.ring();
      },
    });
    this.leases = new LeaseKeeper({
      store,
      runner: this.runner,
      log: this.log,
      workerId: this.id,
      leaseMs: this.leaseMs,
      stopping,
      waiting: () => this.buffer.map((j) => ({ id: j.id, token: j.leaseToken })),
      dropWaiting: (ids) => {
        const drop = ids === 'all' ? undefined : new Set(ids);
        this.buffer = drop ? this.buffer.filter((j) => !drop.has(j.id)) : [];
      },
      onUnfenced: () => this.wakeSignal.ring(),
      onJobsSchemaChanged: (version) => {
        this.log.error(`worker ${this.id}: the jobs tables changed to version ${version} under this worker (expects ${JOBS_SCHEMA_VERSION}); stopping`);
        this.stopReason = 'jobs-schema-changed';
        void this.stop();
      },
    });
    this.maintenance = new Maintenance(store, this.id, this.leaseMs);
    this.cron = new CronScheduler(store, [...tasks.values()], this.log);
    this.flow = flowLimits(tasks.values());
    this.done = new Promise((resolve) => (this.resolveDone = resolve));
  }

  async start(): Promise<void> {
    await this.store.registerWorker({ id: this.id, hostname: hostname(), pid: process.pid, queues: this.options.queues ?? null, tasks: [...this.tasks.keys()], concurrency: this.concurrency });
    this.unlisten = await this.store.listen(
      (event) => {
        // A cancellation: renew now, which finds the cancelled job and aborts its signal.
        if (event === 'cancel') void this.leases.renew().catch((e) => this.log.error(`worker ${this.id}: ${errorMessage(e)}`));
        else this.wakeSignal.ring();
      },
      // The LISTEN connection says when it drops and comes back (it retries for as long as the worker runs).
      { onStatus: (message) => (/connected$/.test(message) ? this.log.info(`worker ${this.id}: ${message}`) : this.log.warn(`worker ${this.id}: ${message}`)) },
    );
    const every = (ms: number, fn: () => Promise<unknown>) => {
      this.timers.push(setInterval(() => void fn().catch((e) => this.log.error(`worker ${this.id}: ${errorMessage(e)}`)), ms));
    };
    const heartbeatMs = this.options.heartbeatMs ?? Math.max(50, Math.floor(this.leaseMs / 3));
    every(heartbeatMs, () => this.leases.renew());
    const fenceAfterMs = this.leaseMs - Math.min(heartbeatMs, Math.floor(this.leaseMs / 4));
    this.timers.push(setInterval(() => this.leases.fenceIfStale(fenceAfterMs), Math.max(10, Math.floor(heartbeatMs / 2))));
    // Jitter spreads the checks of many workers started together.
    every(Math.max(50, Math.floor((this.options.rescueIntervalMs ?? this.leaseMs / 2) * (0.8 + Math.random() * 0.4))), () => this.maintenance.ifMaintainer(() => this.rescue()));
    every(this.options.progressIntervalMs ?? 500, () => this.runner.flushProgress());
    every(5000, () => this.maintenance.ifMaintainer(() => this.store.maintain()));
    const statsMs = this.options.statsIntervalMs ?? 5000;
    if (statsMs > 0) every(statsMs, () => this.maintenance.ifMaintainer(() => this.store.refreshStats()));
    const retentionMs = this.options.retentionMs ?? 7 * 86_400_000;
    if (retentionMs > 0) every(this.options.pruneIntervalMs ?? 600_000, () => this.maintenance.ifMaintainer(() => this.store.prune(retentionMs)));
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
    if (this.leases.fenced) return { ready: false, reason: 'fenced: cannot renew leases' };
    return { ready: true };
  }

  /** `onDrift: 'wait'`: claim nothing until the application schema can run this build. */
  waitForSchema(message: string): void {
    const firstProblem = (text: string) => text.split('\n').find((l) => l.trim().startsWith('✗'))?.trim();
    const recheckMs = this.options.driftRecheckMs ?? 5000;
    this.schemaWait = firstProblem(message) ?? 'the database cannot run this build yet';
    this.log.warn(`worker ${this.id}: the database cannot run this build yet; waiting (re-checking every ${recheckMs} ms):\n${message}`);
    const recheck = async () => {
      if (this.stopping || this.schemaWait === undefined) return;
      const verdict = await evaluateAppSchema(this.options.appSchema!);
      if (!verdict.ready) {
        this.schemaWait = firstProblem(verdict.message) ?? this.schemaWait;
        return;
      }
      this.schemaWait = undefined;
      this.log.info(`worker ${this.id}: the schema caught up; claiming jobs`);
      this.wakeSignal.ring();
    };
    this.timers.push(setInterval(() => void recheck().catch((e) => this.log.error(`worker ${this.id}: schema re-check failed: ${errorMessage(e)}`)), recheckMs));
  }

  stop(): Promise<void> {
    this.stopPromise ??= this.shutdown();
    return this.stopPromise;
  }

  private async claimLoop(): Promise<void> {
    let failures = 0;
    while (!this.stopping) {
      this.startBuffered();
      const room = this.concurrency - this.runner.executing + this.prefetch - this.buffer.length;
      if (room <= 0 || this.schemaWait !== undefined || this.leases.fenced) {
        await this.waitForWake();
        continue;
      }
      this.wakeSignal.clear();
      let claimed: ClaimedJob[];
      try {
        claimed = await this.store.claim({ workerId: this.id, queues: this.options.queues ?? null, tasks: [...this.tasks.keys()], limit: room, leaseMs: this.leaseMs, flow: this.flow, flowSlots: this.concurrency - this.runner.executing - this.buffer.length });
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
      this.buffer.push(...claimed);
      this.startBuffered();
      this.saturated = claimed.length === room;
      if (!this.saturated) await this.waitForWake();
    }
  }

  /** Starts buffered jobs while slots are free (not while fenced, waiting for the schema or stopping). */
  private startBuffered(): void {
    if (this.stopping || this.leases.fenced || this.schemaWait !== undefined) return;
    while (this.buffer.length > 0 && this.runner.executing < this.concurrency) this.runner.start(this.buffer.shift()!);
  }

  private async waitForWake(): Promise<void> {
    if (!this.stopping) await this.wakeSignal.wait(this.pollMs);
    this.wakeSignal.clear();
  }

  private async rescue(): Promise<void> {
    if (this.stopping) return;
    const rescued = await this.store.rescueExpired(this.id);
    if (rescued > 0) {
      this.log.warn(`worker ${this.id}: ${rescued} job(s) had an expired lease and were put back in the queue`);
      this.wakeSignal.ring();
    }
  }

  private installSignalHandlers(): void {
    let count = 0;
    const onSignal = (signal: NodeJS.Signals) => () => {
      count++;
      this.stopReason = 'signal';
      if (count === 1) {
        this.log.info(`worker ${this.id}: ${signal}, finishing running jobs (up to ${this.shutdownTimeoutMs} ms)`);
        void this.stop();
      } else this.forceStop?.();
    };
    for (const signal of ['SIGTERM', 'SIGINT'] as NodeJS.Signals[]) {
      const handler = onSignal(signal);
      process.on(signal, handler);
      this.signalHandlers.push([signal, handler]);
    }
  }

  /**
   * Stops claiming, lets running handlers finish up to the shutdown timeout (or a second
   * signal), aborts the rest and hands back each job whose handler can no longer run: it
   * returned, or this process is about to exit (`exitOnStop`, the CLI worker).
   */
  private async shutdown(): Promise<void> {
    this.stopping = true;
    this.cron.stop();
    this.wakeSignal.ring();
    await this.loop;
    const deadline = Date.now() + this.shutdownTimeoutMs;
    let forced = false;
    const forcedPromise = new Promise<void>((resolve) => (this.forceStop = () => ((forced = true), resolve())));
    while (this.runner.executing > 0 && Date.now() < deadline && !forced) {
      await Promise.race([sleep(Math.min(50, Math.max(1, deadline - Date.now()))), forcedPromise]);
    }
    const left = [...this.runner.running.values()].filter((e) => !e.settled && !e.abandoned);
    for (const entry of left) this.runner.abort(entry, new AbortReason('shutdown', 'the worker is shutting down'));
    const graceEnd = Date.now() + 1000;
    while (left.some((e) => !e.settled) && Date.now() < graceEnd && !forced) await sleep(20);
    const exitsOnStop = this.options.exitOnStop ?? Boolean(this.options.handleSignals);
    const stillRunning = left.filter((e) => !e.settled);
    // Prefetched jobs never started: always safe to hand back.
    const unstarted = this.buffer.splice(0).map((j) => ({ id: j.id, token: j.leaseToken }));
    const handBack = [...(exitsOnStop ? left : left.filter((e) => e.settled)).map((e) => e.lease), ...unstarted];
    if (stillRunning.length > 0 && !exitsOnStop) {
      this.log.warn(
        `worker ${this.id}: ${stillRunning.length} handler(s) ignored the abort signal and still run; their jobs are not handed back (their leases lapse and they are rescued once these handlers can no longer write)`,
      );
    }
    if (handBack.length > 0) {
      // Step results and log lines already produced are written while the lease is still
      // held (the writes are fenced by it), so the next run resumes after them.
      await Promise.all(left.map((e) => e.journal?.flush().catch(() => {})));
      try {
        const n = await this.store.release(handBack, this.id, `worker ${this.id} shut down before the job finished`);
        this.log.warn(`worker ${this.id}: handed ${n} unfinished job(s) back to the queue`);
      } catch (error) {
        this.log.error(`worker ${this.id}: handing jobs back failed (${errorMessage(error)}); their leases will expire`);
      }
    }
    await this.completions.flushed();
    await this.runner.flushProgress().catch(() => {});
    for (const t of this.timers) clearInterval(t);
    for (const [signal, handler] of this.signalHandlers) process.off(signal, handler);
    await this.unlisten?.().catch(() => {});
    await this.store.unregisterWorker(this.id).catch(() => {});
    await this.closeStore().catch(() => {});
    this.log.info(`worker ${this.id} stopped (${this.stopReason})`);
    this.resolveDone(this.stopReason);
  }
}
