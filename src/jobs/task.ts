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
  log: TaskLogger;
}

export interface TaskLogger {
  info(message: string, data?: Record<string, unknown>): void;
  warn(message: string, data?: Record<string, unknown>): void;
  error(message: string, data?: Record<string, unknown>): void;
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

export interface ConcurrencyLimit<P = unknown> {
  limit: number;
  key?: (payload: P) => string;
}

export interface RateLimit<P = unknown> {
  limit: number;
  periodMs: number;
  key?: (payload: P) => string;
}

export interface Task<P = unknown> extends Readonly<Omit<TaskOptions<P>, 'queue' | 'maxAttempts'>> {
  readonly name: string;
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
export function task<P = unknown>(name: string, options: TaskOptions<P>): Task<P> {
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

function checkFlowControl(name: string, options: TaskOptions<any>): void {
  const positiveInt = (what: string, value: unknown) => {
    if (!Number.isInteger(value) || (value as number) < 1) {
      throw new LockstepError(`task "${name}": ${what} must be a positive integer, found ${String(value)}`, { hint: `e.g. ${what.split('.')[0]}: { limit: 2 }` });
    }
  };
  if (options.concurrency) {
    positiveInt('concurrency.limit', options.concurrency.limit);
    if (options.concurrency.key !== undefined && typeof options.concurrency.key !== 'function') throw new LockstepError(`task "${name}": concurrency.key must be a function (payload) => string`);
  }
  if (options.rateLimit) {
    positiveInt('rateLimit.limit', options.rateLimit.limit);
    positiveInt('rateLimit.periodMs', options.rateLimit.periodMs);
    if (options.rateLimit.key !== undefined && typeof options.rateLimit.key !== 'function') throw new LockstepError(`task "${name}": rateLimit.key must be a function (payload) => string`);
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
