import { LockstepError } from '../core/errors.js';
import type { Task } from './task.js';

/**
 * A task's flow control as the claim needs it: the limits come from the worker's task
 * definitions, the keys were computed at enqueue and stored on each job
 * (`concurrency_key`, `rate_key`).
 */
export interface FlowLimit {
  task: string;
  /** Jobs of the task (per concurrency key) that may run at once; null = no limit. */
  concurrency: number | null;
  /** Starts allowed per `ratePeriodMs` (per rate key); null = no limit. */
  rateLimit: number | null;
  ratePeriodMs: number | null;
}

/** The limits of the tasks that have any, sorted by task name. */
export function flowLimits(tasks: Iterable<Task<any>>): FlowLimit[] {
  const out: FlowLimit[] = [];
  for (const t of tasks) {
    if (!t.concurrency && !t.rateLimit) continue;
    out.push({ task: t.name, concurrency: t.concurrency?.limit ?? null, rateLimit: t.rateLimit?.limit ?? null, ratePeriodMs: t.rateLimit?.periodMs ?? null });
  }
  return out.sort((a, b) => (a.task < b.task ? -1 : a.task > b.task ? 1 : 0));
}

/**
 * The flow-control keys of a job, computed once at enqueue from the task's `key`
 * functions. A task without a definition at hand (enqueued by name, no registry) gets
 * null keys: its jobs then share one bucket per task.
 *
 * @example
 * flowKeys(syncShop, { shop: 'A' }); // { concurrencyKey: 'A', rateKey: null }
 */
export function flowKeys(definition: Task<any> | undefined, payload: unknown): { concurrencyKey: string | null; rateKey: string | null } {
  return {
    concurrencyKey: computeKey(definition, 'concurrency', definition?.concurrency?.key, payload),
    rateKey: computeKey(definition, 'rateLimit', definition?.rateLimit?.key, payload),
  };
}

function computeKey(definition: Task<any> | undefined, what: string, fn: ((payload: any) => string) | undefined, payload: unknown): string | null {
  if (!fn) return null;
  let key: unknown;
  try {
    key = fn(payload);
  } catch (error) {
    throw new LockstepError(`task "${definition!.name}": ${what}.key threw for this payload: ${(error as Error).message}`, { hint: 'Make the key function total over valid payloads; the job was not enqueued.', cause: error });
  }
  if (typeof key !== 'string') {
    throw new LockstepError(`task "${definition!.name}": ${what}.key must return a string, found ${key === null ? 'null' : typeof key}`, { hint: 'Return e.g. String(payload.shopId); the job was not enqueued.' });
  }
  return key;
}
