import { LockstepError } from '../../core/errors.js';
import type { WorkerLogger } from '../job-logger.js';
import type { JobStore, LogLine, NewJob, StepRecord, StepWait, StepWrite } from '../job-store.js';
import { PermanentError } from '../permanent-error.js';
import { itemStepName } from '../step-summary.js';
import { validatePayload } from '../standard-schema.js';
import { type AnyTask, DEFAULT_MAX_ATTEMPTS, DEFAULT_QUEUE, isTask, type JobLog, type SpawnItem, type TaskContext, type WaitForEventOptions } from '../task.js';
import type { JournalWriter } from './journal-writer.js';
import type { RunningJob } from './job-runner.js';

/** The largest result (a handler's return value, a step's result), as JSON: 1 MB. */
export const MAX_RESULT_BYTES = 1_048_576;
/** `ctx.log` lines kept per attempt; the rest go to the worker's log only. */
export const MAX_LOG_LINES = 200;
/** Item results a `ctx.steps` call may hold unwritten before it waits for the writer. */
const MAX_PENDING_ITEMS = 1000;

/** Thrown through the handler when the job went to wait: the runner neither completes nor fails it. */
export class JobSuspended extends Error {
  constructor(readonly kind: 'sleep' | 'event' | 'children') {
    super(`the job is waiting (${kind}); it continues when the wait is over`);
    this.name = 'JobSuspended';
  }
}

/**
 * One attempt's durable state: its steps (read on the first step call, so jobs without
 * steps never pay for them), the step results and log lines it still has to write, and the
 * `ctx` methods built on them.
 *
 * The guarantee: a step's fn runs only after every earlier step result of the job is
 * durable; results of `ctx.steps` items are written in group commits without waiting
 * between items, so a crash re-runs at most the items whose results were not written yet;
 * the job completes, fails or waits only after all of them are written.
 */
export class JobJournal {
  private recorded: Map<string, StepRecord> | undefined;
  private readonly used = new Set<string>();
  private readonly inFlight = new Set<Promise<void>>();
  private logLines: LogLine[] = [];
  private logCount = 0;
  /** Set once the job went to wait: nothing more is written for this claim. */
  suspended = false;

  constructor(
    private readonly entry: RunningJob,
    private readonly deps: { store: JobStore; writer: JournalWriter; tasks: Map<string, AnyTask>; log: WorkerLogger; workerId: string },
  ) {}

  /** The `ctx` members this journal provides. */
  context(label: string): Pick<TaskContext, 'log' | 'step' | 'steps' | 'sleep' | 'waitForEvent' | 'spawn' | 'spawnAll'> {
    return (this.contextCache ??= {
      log: this.logger(label),
      step: (name, fn) => this.step(name, fn),
      steps: (name, items, fn) => this.steps(name, items, fn),
      sleep: (name, ms) => this.sleep(name, ms),
      waitForEvent: (name, options) => this.waitForEvent(name, options) as Promise<any>,
      spawn: (name, task, payload, options) => this.spawn(name, [{ task, payload, options }], true) as Promise<any>,
      spawnAll: (name, children) => this.spawn(name, children, false) as Promise<any>,
    });
  }

  private contextCache: Pick<TaskContext, 'log' | 'step' | 'steps' | 'sleep' | 'waitForEvent' | 'spawn' | 'spawnAll'> | undefined;

  /** Waits until every step result and log line of this attempt so far is written. */
  async flush(): Promise<void> {
    if (this.logLines.length > 0) this.track(this.deps.writer.write([], this.takeLogs()));
    while (this.inFlight.size > 0) await Promise.all([...this.inFlight]);
  }

  /** Queues the log lines gathered so far (the worker's flush timer calls this). */
  flushLogs(): void {
    if (this.logLines.length > 0 && !this.suspended && !this.entry.abandoned) this.track(this.deps.writer.write([], this.takeLogs()));
  }

  private takeLogs(): LogLine[] {
    const lines = this.logLines;
    this.logLines = [];
    return lines;
  }

  private track(write: Promise<void>): Promise<void> {
    const tracked = write.finally(() => this.inFlight.delete(tracked));
    // A failed write surfaces at the next flush (a step, the completion); never unhandled here.
    tracked.catch(() => {});
    this.inFlight.add(tracked);
    return tracked;
  }

  private logger(label: string): JobLog {
    const { job } = this.entry;
    const line = (level: LogLine['level']) => (message: string, data?: Record<string, unknown>) => {
      this.deps.log[level](`${label}: ${message}`, data);
      this.logCount++;
      const text = data && Object.keys(data).length > 0 ? `${message} ${JSON.stringify(data)}` : message;
      if (this.logCount <= MAX_LOG_LINES) this.logLines.push({ jobId: job.id, attempt: job.attempt, at: new Date(), level, message: text.slice(0, 4000) });
      else if (this.logCount === MAX_LOG_LINES + 1) {
        this.logLines.push({ jobId: job.id, attempt: job.attempt, at: new Date(), level: 'warn', message: `more than ${MAX_LOG_LINES} lines in this attempt: the rest are in the worker's log only` });
      }
    };
    return Object.assign(line('info'), { info: line('info'), warn: line('warn'), error: line('error') });
  }

  private async load(): Promise<Map<string, StepRecord>> {
    this.recorded ??= new Map((await this.deps.store.jobSteps(this.entry.job.id)).map((s) => [s.name, s]));
    return this.recorded;
  }

  private claimName(name: string, what: string): void {
    if (typeof name !== 'string' || name.length === 0 || name.length > 200) throw new LockstepError(`${what} needs a name (1 to 200 characters), found ${JSON.stringify(name)}`);
    if (this.used.has(name)) {
      // A bug in the task: no retry fixes it, so the job is dead at once.
      throw new PermanentError(
        `job ${this.entry.job.id}: the step name "${name}" is used twice in one run; give every ctx.step, ctx.steps, ctx.sleep, ctx.waitForEvent and ctx.spawn of a task its own name`,
      );
    }
    this.used.add(name);
  }

  private write(step: Omit<StepWrite, 'id' | 'token' | 'attempt'>): Promise<void> {
    const full: StepWrite = { ...step, ...this.entry.lease, attempt: this.entry.job.attempt };
    this.recorded?.set(step.name, { name: step.name, attempt: full.attempt, status: step.status, result: step.result, wait: step.wait ?? null, startedAt: step.startedAt, finishedAt: step.finishedAt });
    return this.track(this.deps.writer.write([full], this.takeLogs()));
  }

  async step<T>(name: string, fn: () => Promise<T> | T): Promise<T> {
    this.claimName(name, 'ctx.step');
    const recorded = (await this.load()).get(name);
    if (recorded?.status === 'done') return recorded.result as T;
    await this.flush();
    if (this.entry.abortReason) throw this.entry.abortReason;
    const startedAt = new Date();
    const result = jsonResult(await fn(), `step "${name}" of job ${this.entry.job.id}`);
    void this.write({ name, status: 'done', result, startedAt, finishedAt: new Date() });
    return result as T;
  }

  async steps<I, T>(name: string, items: readonly I[], fn: (item: I, index: number) => Promise<T> | T): Promise<T[]> {
    this.claimName(name, 'ctx.steps');
    const recorded = await this.load();
    const results = new Array<T>(items.length);
    const done = new Array<boolean>(items.length).fill(false);
    let durable = 0;
    for (let i = 0; i < items.length; i++) {
      const step = recorded.get(itemStepName(name, i));
      if (step?.status === 'done') {
        results[i] = step.result as T;
        done[i] = true;
        durable++;
      }
    }
    await this.flush();
    // Progress starts where the recorded items are, at once: it never shows less than before the crash.
    this.entry.progress.update(durable, items.length);
    await this.deps.store.saveProgress([{ ...this.entry.lease, progress: this.entry.progress.take(Date.now()) ?? { done: durable, total: items.length, percent: null, etaSeconds: null } }]);
    let pending = 0;
    for (let i = 0; i < items.length; i++) {
      if (done[i]) continue;
      const startedAt = new Date();
      const result = jsonResult(await fn(items[i]!, i), `item ${i} of steps "${name}" of job ${this.entry.job.id}`);
      results[i] = result as T;
      pending++;
      // Progress counts an item once its result is written, so it never runs ahead of what a resume finds.
      void this.write({ name: itemStepName(name, i), status: 'done', result, startedAt, finishedAt: new Date() }).then(() => {
        durable++;
        this.entry.progress.update(durable, items.length);
      });
      if (pending >= MAX_PENDING_ITEMS) {
        await this.flush();
        pending = 0;
      }
      if (this.entry.abortReason) throw this.entry.abortReason;
    }
    await this.flush();
    return results;
  }

  async sleep(name: string, ms: number): Promise<void> {
    this.claimName(name, 'ctx.sleep');
    if (!Number.isFinite(ms) || ms < 0) throw new LockstepError(`ctx.sleep("${name}") needs a duration in ms (0 or more), found ${ms}`);
    const recorded = (await this.load()).get(name);
    if (recorded?.status === 'done') return;
    const until = recorded?.wait?.kind === 'sleep' ? new Date(recorded.wait.until) : new Date(Date.now() + ms);
    if (recorded && until.getTime() <= Date.now()) {
      void this.write({ name, status: 'done', result: null, startedAt: recorded.startedAt, finishedAt: new Date() });
      return;
    }
    await this.suspend(name, { kind: 'sleep', until: until.toISOString() }, until, recorded?.startedAt);
  }

  async waitForEvent(name: string, options: WaitForEventOptions): Promise<unknown> {
    this.claimName(name, 'ctx.waitForEvent');
    if (!options || typeof options.event !== 'string' || options.event.length === 0) throw new LockstepError(`ctx.waitForEvent("${name}") needs { event: 'name' }`);
    const recorded = (await this.load()).get(name);
    if (recorded?.status === 'done') return recorded.result;
    let wait = recorded?.wait?.kind === 'event' ? recorded.wait : undefined;
    if (!wait) {
      const match = options.match === undefined ? null : jsonResult(options.match, `the match of waitForEvent "${name}"`);
      const until = options.timeoutMs === undefined ? null : new Date(Date.now() + options.timeoutMs).toISOString();
      wait = { kind: 'event', event: options.event, match, until };
    }
    if (recorded && wait.until && Date.parse(wait.until) <= Date.now()) {
      // Timed out, unless the event came first: the store resolves the step once, either way.
      await this.flush();
      const resolved = await this.deps.store.resolveStep(this.entry.job.id, name, null);
      this.recorded!.set(name, resolved ?? { ...recorded, status: 'done', result: null });
      return resolved?.result ?? null;
    }
    await this.suspend(name, wait, wait.until ? new Date(wait.until) : null, recorded?.startedAt);
    return undefined as never;
  }

  private async spawn(name: string, children: readonly SpawnItem[], single: boolean): Promise<unknown> {
    this.claimName(name, single ? 'ctx.spawn' : 'ctx.spawnAll');
    const recorded = (await this.load()).get(name);
    if (recorded?.status === 'done') return recorded.result;
    if (recorded?.wait?.kind === 'children') {
      const ids = recorded.wait.ids;
      const kids = new Map((await this.deps.store.childJobs(this.entry.job.id)).map((k) => [k.id, k]));
      const mine = ids.map((id) => kids.get(id));
      const open = mine.filter((k) => k && (k.state === 'queued' || k.state === 'running' || k.state === 'scheduled' || k.state === 'retrying' || k.state === 'waiting'));
      if (open.length > 0) return this.suspend(name, recorded.wait, null, recorded.startedAt);
      const failed = mine.find((k) => !k || k.state !== 'succeeded');
      if (failed !== undefined || mine.some((k) => !k)) {
        // The retry spawns the children anew.
        await this.flush();
        await this.deps.store.deleteSteps(this.entry.lease, [name]);
        this.recorded!.delete(name);
        const which = failed ? `child job ${failed.id} (${failed.task}) ended ${failed.state}${failed.lastError ? `: ${failed.lastError}` : ''}` : 'a child job was deleted';
        throw new LockstepError(`step "${name}" of job ${this.entry.job.id} failed: ${which}`);
      }
      const results = mine.map((k) => k!.result);
      const result = single ? results[0] : results;
      void this.write({ name, status: 'done', result, startedAt: recorded.startedAt, finishedAt: new Date() });
      return result;
    }
    if (children.length === 0) return [];
    const jobs: NewJob[] = [];
    for (const child of children) jobs.push(await this.childJob(child, name));
    await this.suspend(name, { kind: 'children', ids: [] }, null, undefined, jobs);
  }

  private async childJob(child: SpawnItem, step: string): Promise<NewJob> {
    const name = typeof child.task === 'string' ? child.task : child.task.name;
    const definition = isTask(child.task) ? child.task : this.deps.tasks.get(name);
    let payload: unknown = child.payload === undefined ? null : child.payload;
    if (definition?.payload) {
      const check = await validatePayload(definition.payload, payload);
      if (!check.ok) throw new LockstepError(`step "${step}": invalid payload for child task "${name}": ${check.message}`);
    }
    payload = jsonResult(payload, `the payload of child task "${name}"`);
    const o = child.options ?? {};
    return {
      task: name,
      queue: o.queue ?? definition?.queue ?? DEFAULT_QUEUE,
      payload,
      key: null,
      runAt: null,
      priority: o.priority ?? definition?.priority ?? 0,
      maxAttempts: o.maxAttempts ?? definition?.maxAttempts ?? DEFAULT_MAX_ATTEMPTS,
    };
  }

  /** Writes what is pending, hands the job back to wait, and unwinds the handler. */
  private async suspend(name: string, wait: StepWait, runAt: Date | null, startedAt = new Date(), children?: NewJob[]): Promise<never> {
    await this.flush();
    const step: StepWrite = { ...this.entry.lease, name, attempt: this.entry.job.attempt, status: 'waiting', result: null, wait, startedAt, finishedAt: null };
    const kind = wait.kind;
    const description = describeWait(wait, runAt, children?.length ?? 0);
    const ids = await this.deps.store.suspend({ ...this.entry.lease, step, runAt, kind, children, message: `step "${name}" ${description}`, workerId: this.deps.workerId });
    if (ids === null) throw new LockstepError(`job ${this.entry.job.id}: the lease was lost before it could wait`);
    this.suspended = true;
    this.deps.log.info(`job ${this.entry.job.id} (${this.entry.job.task}) waits: step "${name}" ${description}`);
    throw new JobSuspended(kind);
  }
}

function describeWait(wait: StepWait, runAt: Date | null, spawned: number): string {
  if (wait.kind === 'sleep') return `sleeps until ${wait.until}`;
  if (wait.kind === 'event') return `waits for event ${wait.event}${runAt ? ` until ${runAt.toISOString()}` : ''}`;
  return `waits for ${spawned || wait.ids.length} child job(s)`;
}

/**
 * A value as it is stored and replayed: its JSON round trip (so the first run and a replay
 * see the same thing), refused above MAX_RESULT_BYTES.
 */
export function jsonResult(value: unknown, what: string): unknown {
  if (value === undefined) return null;
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch (error) {
    throw new LockstepError(`${what} is not JSON: ${(error as Error).message}`, { hint: 'Return plain data (objects, arrays, strings, numbers, booleans, null).' });
  }
  if (text === undefined) return null;
  const bytes = Buffer.byteLength(text);
  if (bytes > MAX_RESULT_BYTES) {
    throw new LockstepError(`${what} is ${(bytes / 1_048_576).toFixed(1)} MB as JSON; results are limited to 1 MB`, {
      hint: 'Store large output elsewhere (a table, object storage) and return a reference to it.',
    });
  }
  return JSON.parse(text);
}

