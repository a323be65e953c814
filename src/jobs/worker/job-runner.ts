import { errorMessage } from '../../core/errors.js';
import { retryDelayMs } from '../backoff.js';
import type { WorkerLogger } from '../job-logger.js';
import type { ClaimedJob, JobStore, Lease } from '../job-store.js';
import { isPermanentError } from '../permanent-error.js';
import { ProgressTracker } from '../progress-tracker.js';
import { validatePayload } from '../standard-schema.js';
import type { Task, TaskContext } from '../task.js';
import type { CompletionBatcher } from './completion-batcher.js';
import { JobJournal, JobSuspended, jsonResult } from './job-journal.js';
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
  ) {}

  start(job: ClaimedJob): void {
    const entry: RunningJob = {
      job,
      lease: { id: job.id, token: job.leaseToken },
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
    if (entry.abortReason) return;
    entry.abortReason = reason;
    entry.controller?.abort(reason);
    entry.onAbort?.(reason);
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
    let result: unknown = null;
    if (!failure) {
      const outcome = await this.callHandler(entry, task, payload, onHandler);
      if ('error' in outcome) failure = outcome;
      else result = outcome.result;
    }
    entry.returned = true;
    if (entry.abandoned || entry.journal?.suspended) {
      this.running.delete(job.id);
      return;
    }
    // Steps and log lines are written before the outcome: they are fenced by the lease it ends.
    const unwritten = await entry.journal?.flush().then(
      () => undefined,
      (error: unknown) => error,
    );
    if (!failure && unwritten !== undefined) failure = { error: new Error(`writing its steps failed: ${errorMessage(unwritten)}`), permanent: false };
    if (!failure) {
      void this.deps.completions.complete({ ...entry.lease, progress: entry.progress.final(), result }).finally(() => this.running.delete(job.id));
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

  /** Runs the handler until it settles or its signal is aborted: its result (as stored), or the failure. */
  private async callHandler(
    entry: RunningJob,
    task: Task<any>,
    payload: unknown,
    onHandler: (h: Promise<unknown>) => void,
  ): Promise<{ result: unknown } | { error: unknown; permanent: boolean }> {
    const { job } = entry;
    // The journal (steps, waits, logs) and the abort signal are made on first use: a handler
    // that uses neither costs no allocation for them.
    const label = `job ${job.id} (${job.task})`;
    const journal = (): JobJournal =>
      (entry.journal ??= new JobJournal(entry, { store: this.deps.store, writer: this.deps.journal, tasks: this.deps.tasks, log: this.deps.log, workerId: this.deps.workerId }));
    const ctx: TaskContext = {
      job: { id: job.id, attempt: job.attempt, maxAttempts: job.maxAttempts, task: job.task, queue: job.queue },
      progress: (done, total) => entry.progress.update(done, total),
      get signal() {
        if (!entry.controller) {
          entry.controller = new AbortController();
          if (entry.abortReason) entry.controller.abort(entry.abortReason);
        }
        return entry.controller.signal;
      },
      get log() {
        return journal().context(label).log;
      },
      step: (name, fn) => journal().context(label).step(name, fn),
      steps: (name, items, fn) => journal().context(label).steps(name, items, fn),
      sleep: (name, ms) => journal().context(label).sleep(name, ms),
      waitForEvent: (name, options) => journal().context(label).waitForEvent(name, options),
      spawn: (name, task, payload, options) => journal().context(label).spawn(name, task, payload, options),
      spawnAll: (name, children) => journal().context(label).spawnAll(name, children),
    };
    const timer = task.timeoutMs ? setTimeout(() => this.abort(entry, new AbortReason('timeout', `timed out after ${task.timeoutMs} ms`)), task.timeoutMs) : undefined;
    const handler = Promise.resolve().then(() => task.run(payload, ctx));
    onHandler(handler);
    try {
      const aborted = new Promise<never>((_, reject) => {
        if (entry.abortReason) reject(entry.abortReason);
        else entry.onAbort = reject;
      });
      const value = await Promise.race([handler, aborted]);
      try {
        return { result: jsonResult(value, `the result of job ${job.id} (${job.task})`) };
      } catch (error) {
        // Too big or not JSON: no retry makes it fit.
        return { error, permanent: true };
      }
    } catch (error) {
      if (error instanceof JobSuspended && entry.journal?.suspended) return { result: null };
      const reason = entry.abortReason;
      return { error: reason instanceof AbortReason && reason.kind === 'timeout' ? reason : error, permanent: isPermanentError(error) };
    } finally {
      clearTimeout(timer);
    }
  }
}

function errorText(error: unknown): string {
  if (error instanceof Error) return error.name && error.name !== 'Error' ? `${error.name}: ${error.message}` : error.message;
  return String(error);
}
