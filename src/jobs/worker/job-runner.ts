import { errorMessage } from '../../core/errors.js';
import { retryDelayMs } from '../backoff.js';
import type { WorkerLogger } from '../job-logger.js';
import type { ClaimedJob, JobStore, Lease } from '../job-store.js';
import { isPermanentError } from '../permanent-error.js';
import { ProgressTracker } from '../progress-tracker.js';
import { validatePayload } from '../standard-schema.js';
import type { Task } from '../task.js';
import type { CompletionBatcher } from './completion-batcher.js';
import { JobContext, type JobContextDeps } from './job-context.js';
import { type JobJournal, JobSuspended, jsonResult } from './job-journal.js';
import type { JournalWriter } from './journal-writer.js';

/** A claimed job while this worker holds it. */
export interface RunningJob {
  job: ClaimedJob;
  lease: Lease;
  /** Why the handler was told to stop, once it was. */
  abortReason?: AbortReason;
  /** Made on the first read of `ctx.signal` (most handlers never read it). */
  controller?: AbortController;
  /** Rejects the race the runner waits on when the job is aborted. */
  onAbort?: (reason: AbortReason) => void;
  progress: ProgressTracker;
  /** The handler returned or threw, or was abandoned after an abort (its result no longer counts). */
  returned?: boolean;
  /** The handler's promise itself has settled: it can no longer run. */
  settled: boolean;
  /** Lease lost, job cancelled or handed back: nothing more may be written for this claim. */
  abandoned: boolean;
  /** Steps, waits and `ctx.log` lines of this attempt. */
  journal?: JobJournal;
  /** The handler's promise while it may still be running after its outcome (an abort). */
  handler?: Promise<unknown>;
}

/** Why a handler's signal was aborted. */
export class AbortReason extends Error {
  constructor(
    readonly kind: 'cancelled' | 'timeout' | 'shutdown' | 'lease-lost',
    message: string,
  ) {
    super(message);
    this.name = 'AbortError';
  }
}

/**
 * Runs claimed jobs: validates the payload, calls the handler with its context, and records
 * the outcome (a completion through the batcher, a failure with its retry delay). It owns
 * the worker's slots: a slot is taken when a job starts and freed only when the handler's
 * own promise has settled, so a handler that ignores its abort signal (timeout, cancel,
 * lost lease) keeps its slot and the worker never runs more handlers than its concurrency.
 */
export class JobRunner {
  readonly running = new Map<number, RunningJob>();
  /** Slots taken: handlers that have not settled yet. */
  executing = 0;

  constructor(
    private readonly deps: {
      store: JobStore;
      tasks: Map<string, Task<any>>;
      log: WorkerLogger;
      workerId: string;
      completions: CompletionBatcher;
      journal: JournalWriter;
      /** A slot was freed. */
      onSlotFreed: () => void;
    },
  ) {
    this.contextDeps = { store: deps.store, writer: deps.journal, tasks: deps.tasks, log: deps.log, workerId: deps.workerId };
  }

  /** Shared by every job's context. */
  private readonly contextDeps: JobContextDeps;

  start(job: ClaimedJob): void {
    const entry: RunningJob = {
      job,
      lease: { id: job.id, token: job.leaseToken },
      abortReason: undefined,
      controller: undefined,
      onAbort: undefined,
      progress: new ProgressTracker(),
      returned: false,
      settled: false,
      abandoned: false,
      journal: undefined,
      handler: undefined,
    };
    this.running.set(job.id, entry);
    this.executing++;
    this.execute(entry).then(this.slotFreed, (error) => {
      this.deps.log.error(`job ${job.id}: ${errorMessage(error)}`);
      this.slotFreed();
    });
  }

  private readonly slotFreed = (): void => {
    this.executing--;
    this.deps.onSlotFreed();
  };

  /** Aborts a handler's signal; except for a timeout, nothing more is written for the claim. */
  abort(entry: RunningJob, reason: AbortReason): void {
    if (reason.kind !== 'timeout') entry.abandoned = true;
    if (entry.abortReason) return;
    entry.abortReason = reason;
    entry.controller?.abort(reason);
    entry.onAbort?.(reason);
  }

  /** Completions written (or given up): the jobs are no longer this worker's. */
  completed(items: readonly Lease[]): void {
    for (const item of items) this.running.delete(item.id);
  }

  /** Jobs whose claim still counts (not abandoned): the leases to renew. */
  live(): RunningJob[] {
    return [...this.running.values()].filter((e) => !e.abandoned);
  }

  /** Writes the progress that changed since the last flush, for every job still running. */
  async flushProgress(): Promise<void> {
    const now = Date.now();
    const writes = [];
    for (const entry of this.running.values()) {
      if (entry.settled || entry.abandoned) continue;
      const progress = entry.progress.take(now);
      if (progress) writes.push({ ...entry.lease, progress });
    }
    if (writes.length > 0) await this.deps.store.saveProgress(writes);
    for (const entry of this.running.values()) if (!entry.settled && !entry.abandoned) entry.journal?.flushLogs();
  }

  private async execute(entry: RunningJob): Promise<void> {
    const { job } = entry;
    const task = this.deps.tasks.get(job.task)!;
    let payload = job.payload;
    let failure: HandlerFailure | undefined;
    let result: unknown = null;
    if (task.payload) {
      const check = await validatePayload(task.payload, payload).catch((e) => ({ ok: false as const, message: errorMessage(e) }));
      if (check.ok) payload = check.value;
      // A payload that does not validate now never will: dead at once, not retried.
      else failure = new HandlerFailure(new Error(`invalid payload: ${check.message}`), true);
    }
    if (!failure) {
      const outcome = await this.callHandler(entry, task, payload);
      if (outcome instanceof HandlerFailure) failure = outcome;
      else result = outcome;
    }
    entry.returned = true;
    try {
      await this.record(entry, task, failure, result);
    } finally {
      // The slot is free only when the handler itself has returned (one that ignored its
      // abort signal keeps it until it does).
      if (entry.handler) await entry.handler.then(ignore, ignore);
      entry.settled = true;
    }
  }

  /** Writes the outcome: a completion through the batcher, or the failure with its retry delay. */
  private async record(entry: RunningJob, task: Task<any>, failure: HandlerFailure | undefined, result: unknown): Promise<void> {
    const { job } = entry;
    if (entry.abandoned || entry.journal?.suspended) {
      this.running.delete(job.id);
      return;
    }
    // Steps and log lines are written before the outcome: they are fenced by the lease it ends.
    if (entry.journal) {
      const unwritten = await entry.journal.flush().then(
        () => undefined,
        (error: unknown) => error,
      );
      if (!failure && unwritten !== undefined) failure = new HandlerFailure(new Error(`writing its steps failed: ${errorMessage(unwritten)}`), false);
    }
    if (!failure) {
      this.deps.completions.add({ id: job.id, token: job.leaseToken, progress: entry.progress.final(), result });
      return;
    }
    const { store, log } = this.deps;
    const label = `job ${job.id} (${job.task}) attempt ${job.attempt}/${job.maxAttempts}`;
    try {
      const dead = failure.permanent || job.attempt >= job.maxAttempts;
      const retryInMs = dead ? null : retryDelayMs(job.attempt, task.backoff);
      const message = errorText(failure.error);
      const written = await store.fail({ ...entry.lease, attempt: job.attempt, error: message, retryInMs, progress: entry.progress.final(), workerId: this.deps.workerId });
      if (!written) log.warn(`${label} failed, but its lease was lost meanwhile: the failure was not recorded`);
      else if (dead) log.warn(`${label} is dead: ${message}`);
      else log.warn(`${label} failed: ${message}`, { retryInMs });
    } catch (error) {
      log.error(`${label}: recording its failure failed (${errorMessage(error)}); the lease will expire and the job run again`);
    } finally {
      this.running.delete(job.id);
    }
  }

  /** Runs the handler until it settles or its signal is aborted: its result (as stored), or the failure. */
  private async callHandler(entry: RunningJob, task: Task<any>, payload: unknown): Promise<unknown> {
    const { job } = entry;
    const ctx = new JobContext(entry, this.contextDeps);
    const timer = task.timeoutMs ? setTimeout(() => this.abort(entry, new AbortReason('timeout', `timed out after ${task.timeoutMs} ms`)), task.timeoutMs) : undefined;
    const handler = Promise.resolve().then(() => task.run(payload, ctx));
    entry.handler = handler;
    let value: unknown;
    try {
      // Settles with the handler, or rejects when the job is aborted first (abort()).
      value = await new Promise((resolve, reject) => {
        if (entry.abortReason) reject(entry.abortReason);
        else entry.onAbort = reject;
        handler.then(resolve, reject);
      });
    } catch (error) {
      if (error instanceof JobSuspended && entry.journal?.suspended) return null;
      const reason = entry.abortReason;
      return new HandlerFailure(reason instanceof AbortReason && reason.kind === 'timeout' ? reason : error, isPermanentError(error));
    } finally {
      if (timer) clearTimeout(timer);
    }
    // The handler settled by itself: nothing to wait for when freeing the slot.
    entry.handler = undefined;
    try {
      return value === undefined ? null : jsonResult(value, `the result of job ${job.id} (${job.task})`);
    } catch (error) {
      // Too big or not JSON: no retry makes it fit.
      return new HandlerFailure(error, true);
    }
  }
}

/** A handler's failure (an outcome, not an exception of the runner). */
class HandlerFailure {
  constructor(
    readonly error: unknown,
    readonly permanent: boolean,
  ) {}
}

const ignore = (): void => {};

function errorText(error: unknown): string {
  if (error instanceof Error) return error.name && error.name !== 'Error' ? `${error.name}: ${error.message}` : error.message;
  return String(error);
}
