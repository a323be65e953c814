import { errorMessage } from '../../core/errors.js';
import { retryDelayMs } from '../backoff.js';
import { jobLogger, type WorkerLogger } from '../job-logger.js';
import type { ClaimedJob, JobStore, Lease } from '../job-store.js';
import { isPermanentError } from '../permanent-error.js';
import { ProgressTracker } from '../progress-tracker.js';
import { validatePayload } from '../standard-schema.js';
import type { Task, TaskContext } from '../task.js';
import type { CompletionBatcher } from './completion-batcher.js';

/** A claimed job while this worker holds it. */
export interface RunningJob {
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
      /** A slot was freed. */
      onSlotFreed: () => void;
    },
  ) {}

  start(job: ClaimedJob): void {
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
      .catch((error) => this.deps.log.error(`job ${job.id}: ${errorMessage(error)}`))
      .finally(() => {
        this.executing--;
        this.deps.onSlotFreed();
      });
  }

  /** Aborts a handler's signal; except for a timeout, nothing more is written for the claim. */
  abort(entry: RunningJob, reason: AbortReason): void {
    if (reason.kind !== 'timeout') entry.abandoned = true;
    if (!entry.controller.signal.aborted) entry.controller.abort(reason);
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
  }

  private async execute(entry: RunningJob): Promise<void> {
    let handler: Promise<unknown> | undefined;
    try {
      await this.settle(entry, (h) => (handler = h));
    } finally {
      // The slot is free only when the handler itself has returned.
      if (handler) await handler.catch(() => {});
      entry.settled = true;
    }
  }

  private async settle(entry: RunningJob, onHandler: (h: Promise<unknown>) => void): Promise<void> {
    const { job } = entry;
    const { store, log } = this.deps;
    const task = this.deps.tasks.get(job.task)!;
    const label = `job ${job.id} (${job.task}) attempt ${job.attempt}/${job.maxAttempts}`;
    let payload = job.payload;
    let failure: { error: unknown; permanent: boolean } | undefined;
    if (task.payload) {
      const check = await validatePayload(task.payload, payload).catch((e) => ({ ok: false as const, message: errorMessage(e) }));
      if (check.ok) payload = check.value;
      // A payload that does not validate now never will: dead at once, not retried.
      else failure = { error: new Error(`invalid payload: ${check.message}`), permanent: true };
    }
    if (!failure) failure = await this.callHandler(entry, task, payload, onHandler);
    entry.returned = true;
    if (entry.abandoned) {
      this.running.delete(job.id);
      return;
    }
    if (!failure) {
      void this.deps.completions.complete({ ...entry.lease, progress: entry.progress.final() }).finally(() => this.running.delete(job.id));
      return;
    }
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

  /** Runs the handler until it settles or its signal is aborted; the failure, if any. */
  private async callHandler(entry: RunningJob, task: Task<any>, payload: unknown, onHandler: (h: Promise<unknown>) => void): Promise<{ error: unknown; permanent: boolean } | undefined> {
    const { job } = entry;
    const ctx: TaskContext = {
      job: { id: job.id, attempt: job.attempt, maxAttempts: job.maxAttempts, task: job.task, queue: job.queue },
      progress: (done, total) => entry.progress.update(done, total),
      signal: entry.controller.signal,
      log: jobLogger(this.deps.log, `job ${job.id} (${job.task})`),
    };
    const timer = task.timeoutMs ? setTimeout(() => this.abort(entry, new AbortReason('timeout', `timed out after ${task.timeoutMs} ms`)), task.timeoutMs) : undefined;
    const handler = Promise.resolve().then(() => task.run(payload, ctx));
    onHandler(handler);
    try {
      await Promise.race([handler, abortedPromise(entry.controller.signal)]);
      return undefined;
    } catch (error) {
      const reason = entry.controller.signal.aborted ? entry.controller.signal.reason : undefined;
      return { error: reason instanceof AbortReason && reason.kind === 'timeout' ? reason : error, permanent: isPermanentError(error) };
    } finally {
      clearTimeout(timer);
    }
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
