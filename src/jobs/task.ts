import { LockstepError } from '../core/errors.js';
import type { BackoffOptions } from './backoff.js';
import type { StandardSchemaV1 } from './standard-schema.js';

/** What a task's `run` receives besides its payload. */
export interface TaskContext {
  job: {
    id: number;
    /** 1 on the first try, 2 on the first retry, … */
    attempt: number;
    maxAttempts: number;
    task: string;
    queue: string;
  };
  /**
   * Reports progress. Costs an assignment: the worker coalesces calls and writes at most
   * once per job per flush interval, and the final value when the job ends.
   */
  progress(done: number, total?: number): void;
  /** Aborted on cancel, timeout, worker shutdown or a lost lease; `signal.reason` says which. */
  signal: AbortSignal;
  /**
   * `ctx.log('synced', { sku })` (or `.info`, `.warn`, `.error`): goes to the worker's log
   * and is kept with the job, per attempt (the first 200 lines of each; `jobs show`).
   */
  log: JobLog;
  /**
   * A durable step: runs `fn` once per job. Its result (JSON, at most 1 MB) is recorded, and
   * when the job runs again (a retry, or a rescue after a crash) the step returns the
   * recorded result without calling `fn`. Every earlier step's result is durable before a
   * later step starts (docs/jobs.md, "Durable steps"). Names are unique within a job.
   */
  step<T>(name: string, fn: () => Promise<T> | T): Promise<T>;
  /**
   * A durable step per item: runs `fn` for each item not done yet, in order, and records each
   * item's result, so a job killed at item 6,000 resumes at 6,001. Progress (`done` of
   * `items.length`) is reported as items finish and never goes back. Returns every result.
   */
  steps<I, T>(name: string, items: readonly I[], fn: (item: I, index: number) => Promise<T> | T): Promise<T[]>;
  /** Waits `ms` without holding a worker slot (the job is `waiting`; another worker may continue it). */
  sleep(name: string, ms: number): Promise<void>;
  /**
   * Waits, without holding a slot, for `queue.sendEvent(event, data)` with `data` containing
   * `match` (every key of `match` equal in `data`, recursively). Returns the data, or null when
   * `timeoutMs` passes first. Events sent before the job started waiting are not seen.
   */
  waitForEvent<T = unknown>(name: string, options: WaitForEventOptions): Promise<T | null>;
  /**
   * Enqueues a child job and waits (holding no slot) until it finished; returns its result.
   * A child that ends dead or cancelled fails this step (the parent's attempt fails and is
   * retried by its policy, which spawns the child anew).
   */
  spawn<R = unknown, P = unknown>(name: string, task: Task<P, string> | string, payload?: P, options?: SpawnOptions): Promise<R>;
  /** `spawn` for many children at once: returns their results in order. */
  spawnAll<R = unknown>(name: string, children: readonly SpawnItem[]): Promise<R[]>;
}

export interface WaitForEventOptions {
  event: string;
  /** A JSON value the event's data must contain (objects: by key, recursively). */
  match?: unknown;
  /** Give up after this long: the wait returns null. Default: wait for ever. */
  timeoutMs?: number;
}

export interface SpawnOptions {
  queue?: string;
  priority?: number;
  maxAttempts?: number;
}

export interface SpawnItem {
  task: Task<any, string> | string;
  payload?: unknown;
  options?: SpawnOptions;
}

export interface TaskLogger {
  info(message: string, data?: Record<string, unknown>): void;
  warn(message: string, data?: Record<string, unknown>): void;
  error(message: string, data?: Record<string, unknown>): void;
}

/** `ctx.log`: callable (level info) and a TaskLogger. */
export interface JobLog extends TaskLogger {
  (message: string, data?: Record<string, unknown>): void;
}

/** A cron schedule: a pattern (5 or 6 fields, UTC) or the pattern with options. */
export type CronSchedule =
  | string
  | {
      pattern: string;
      /** IANA time zone the pattern is read in. Default UTC. */
      timezone?: string;
      /** After downtime, enqueue every missed tick since the last one (default false: only future ticks). */
      catchUp?: boolean;
      /** Payload of each tick's job. Default `{}`. */
      payload?: unknown;
    };

export interface TaskOptions<P> {
  /** Any Standard Schema validator (zod 4, valibot, arktype, …). Checked at enqueue and again at run. */
  payload?: StandardSchemaV1<unknown, P>;
  run(payload: P, ctx: TaskContext): Promise<unknown> | unknown;
  /** Attempts before the job goes `dead`. Default 5. */
  maxAttempts?: number;
  /** Each attempt's time limit; the signal is aborted and the attempt fails when it passes. */
  timeoutMs?: number;
  backoff?: BackoffOptions;
  cron?: CronSchedule;
  /** Queue the task's jobs go to unless enqueue says otherwise. Default `default`. */
  queue?: string;
  /** Priority of the task's jobs unless enqueue says otherwise: higher runs first. Default 0. */
  priority?: number;
  /**
   * At most `limit` of the task's jobs run at once across every worker and machine; per
   * value of `key(payload)` when given (computed at enqueue and stored on the job).
   * Enforced in the claim itself; jobs held back stay `queued`.
   */
  concurrency?: ConcurrencyLimit<P>;
  /** At most `limit` of the task's jobs start in any `periodMs` window (sliding), per key when given. */
  rateLimit?: RateLimit<P>;
}

// `key` is declared as a method so a task with a typed payload is still a Task<unknown>
// (method parameters are checked bivariantly), as spawn and the task lists take it.
export interface ConcurrencyLimit<P = unknown> {
  limit: number;
  key?(payload: P): string;
}

export interface RateLimit<P = unknown> {
  limit: number;
  periodMs: number;
  key?(payload: P): string;
}

/** A task; `N` is its name as a literal type, so a typed queue knows its tasks by name. */
export interface Task<P = unknown, N extends string = string> extends Readonly<Omit<TaskOptions<P>, 'queue' | 'maxAttempts'>> {
  readonly name: N;
  readonly queue: string;
  readonly maxAttempts: number;
  /** Brand so task modules can be scanned for tasks. */
  readonly kind: 'lockstep.task';
}

export const DEFAULT_QUEUE = 'default';
export const DEFAULT_MAX_ATTEMPTS = 5;

/**
 * Defines a task. Export it from the module a worker loads (`lockstep worker --tasks`).
 *
 * @example
 * export const syncItem = task('sync-item', {
 *   payload: z.object({ sku: z.string() }),
 *   maxAttempts: 3,
 *   async run({ sku }, ctx) {
 *     ctx.progress(0, 1);
 *     await pushToShop(sku, { signal: ctx.signal });
 *     ctx.progress(1, 1);
 *   },
 * });
 */
export function task<P = unknown, const N extends string = string>(name: N, options: TaskOptions<P>): Task<P, N> {
  if (!/^[\w.:-]{1,200}$/.test(name)) {
    throw new LockstepError(`task name "${name}" is not allowed`, {
      hint: 'Use letters, digits and _ . : - (at most 200 characters).',
    });
  }
  if (typeof options.run !== 'function') throw new LockstepError(`task "${name}" has no run function`);
  const maxAttempts = options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
  if (!Number.isInteger(maxAttempts) || maxAttempts < 1) {
    throw new LockstepError(`task "${name}": maxAttempts must be a positive integer, found ${maxAttempts}`);
  }
  checkFlowControl(name, options);
  return Object.freeze({ ...options, name, queue: options.queue ?? DEFAULT_QUEUE, maxAttempts, kind: 'lockstep.task' as const });
}

/** Any task, whatever its payload and name. */
export type AnyTask = Task<any, string>;

/** Tasks as `createQueue` and `runWorker` take them: a list or an object of tasks. */
export type TaskList = Iterable<AnyTask> | Record<string, AnyTask>;

/** The union of the tasks in a task list (a tuple, an array or an object). */
export type TasksOf<T> = T extends readonly (infer U)[] ? Extract<U, AnyTask> : T extends Iterable<infer U> ? Extract<U, AnyTask> : T extends Record<string, infer U> ? Extract<U, AnyTask> : never;

/** The payload type of the task named `N` among the tasks `T`. */
export type PayloadOf<T extends AnyTask, N extends string> = T extends Task<infer P, infer M> ? (N extends M ? P : never) : never;

/** `enqueue`'s arguments after the task: the payload may be left out when the task takes none. */
export type PayloadArgs<P, O> = undefined extends P ? [payload?: P, options?: O] : [payload: P, options?: O];
function checkFlowControl(name: string, options: TaskOptions<any>): void {
  const positiveInt = (what: string, value: unknown) => {
    if (!Number.isInteger(value) || (value as number) < 1) {
      throw new LockstepError(`task "${name}": ${what} must be a positive integer, found ${String(value)}`, { hint: `e.g. ${what.split('.')[0]}: { limit: 2 }` });
    }
  };
  if (options.concurrency) {
    positiveInt('concurrency.limit', options.concurrency.limit);
    if (options.concurrency.key !== undefined && typeof options.concurrency.key !== 'function') throw new LockstepError(`task "${name}": concurrency.key must be a function (payload) => string, found ${typeof options.concurrency.key}`, { hint: 'e.g. concurrency: { limit: 2, key: (payload) => String(payload.shopId) }' });
  }
  if (options.rateLimit) {
    positiveInt('rateLimit.limit', options.rateLimit.limit);
    positiveInt('rateLimit.periodMs', options.rateLimit.periodMs);
    if (options.rateLimit.key !== undefined && typeof options.rateLimit.key !== 'function') throw new LockstepError(`task "${name}": rateLimit.key must be a function (payload) => string, found ${typeof options.rateLimit.key}`, { hint: 'e.g. rateLimit: { limit: 10, periodMs: 1000, key: (payload) => String(payload.shopId) }' });
  }
}

export function isTask(value: unknown): value is Task {
  return typeof value === 'object' && value !== null && (value as Task).kind === 'lockstep.task';
}

/** Indexes tasks by name; two tasks with one name is an error. */
export function taskMap(tasks: Iterable<Task<any>> | Record<string, Task<any>>): Map<string, Task<any>> {
  const list = Symbol.iterator in Object(tasks) ? [...(tasks as Iterable<Task<any>>)] : Object.values(tasks);
  const map = new Map<string, Task<any>>();
  for (const t of list) {
    if (!isTask(t)) continue;
    if (map.has(t.name) && map.get(t.name) !== t) throw new LockstepError(`two tasks are named "${t.name}"`, { hint: 'Task names must be unique.' });
    map.set(t.name, t);
  }
  return map;
}
