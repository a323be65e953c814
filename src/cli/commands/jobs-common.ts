import { LockstepError } from '../../core/errors.js';
import { createQueue, type Queue } from '../../jobs/queue.js';
import { JOBS_SCHEMA_VERSION } from '../../jobs/jobs-schema-version.js';
import { loadTasks } from '../../jobs/load-tasks.js';
import type { Task } from '../../jobs/task.js';
import type { CommandContext } from '../command.js';

/** The `jobs` section of lockstep.config.json. */
export interface JobsConfig {
  /** Module exporting the tasks (for `worker`, and payload checks in `jobs enqueue`). */
  tasks?: string;
  queues?: string[];
  concurrency?: number;
  prefetch?: number;
  leaseMs?: number;
  shutdownTimeoutMs?: number;
  pollIntervalMs?: number;
  poolSize?: number;
  retentionDays?: number;
  /** `exit` or `wait` (worker --on-drift). */
  onDrift?: string;
}

export function jobsConfig(ctx: CommandContext): JobsConfig {
  const raw = ctx.config().raw.jobs;
  if (raw === undefined) return {};
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new LockstepError('lockstep.config.json: "jobs" must be an object', {
      hint: 'e.g. "jobs": { "tasks": "./src/tasks.ts", "concurrency": 10 }',
    });
  }
  return raw as JobsConfig;
}

/** Opens the queue of the configured database; unless `install`, the jobs tables must be there. */
/**
 * Opens the configured queue for one command, runs `fn`, and always closes the queue,
 * so no command can leave a pool open behind an error.
 */
export async function withQueue<T>(ctx: CommandContext, fn: (queue: Queue) => Promise<T>): Promise<T>;
export async function withQueue<T>(ctx: CommandContext, options: { install?: boolean; tasks?: Task<any>[] }, fn: (queue: Queue) => Promise<T>): Promise<T>;
export async function withQueue<T>(
  ctx: CommandContext,
  optionsOrFn: { install?: boolean; tasks?: Task<any>[] } | ((queue: Queue) => Promise<T>),
  maybeFn?: (queue: Queue) => Promise<T>,
): Promise<T> {
  const [options, fn] = typeof optionsOrFn === 'function' ? [{}, optionsOrFn] : [optionsOrFn, maybeFn!];
  const queue = await openQueue(ctx, options);
  try {
    return await fn(queue);
  } finally {
    await queue.close();
  }
}

export async function openQueue(ctx: CommandContext, options: { install?: boolean; tasks?: Task<any>[] } = {}): Promise<Queue> {
  // Only `jobs install` may create a SQLite file: the others need its tables, so a missing file is a wrong path.
  const queue = await createQueue({ url: ctx.config().url, maxConnections: 2, tasks: options.tasks, mustExist: !options.install });
  if (options.install) return queue;
  const version = await queue.installedVersion().catch(async (error) => {
    await queue.close();
    throw error;
  });
  if (version !== JOBS_SCHEMA_VERSION) {
    const display = queue.store.jobsTable;
    await queue.close();
    throw new LockstepError(
      version === 0 ? `the jobs tables (${display}) are not installed in this database` : `the jobs tables are at version ${version}; this lockstep expects ${JOBS_SCHEMA_VERSION}`,
      { hint: 'Run `lockstep jobs install`.' },
    );
  }
  return queue;
}

export async function maybeLoadTasks(ctx: CommandContext, file: string | undefined): Promise<Task<any>[] | undefined> {
  const path = file ?? jobsConfig(ctx).tasks;
  if (!path) return undefined;
  return loadTasks(path, file ? ctx.cwd : ctx.config().root);
}

export function parseJobId(text: string | undefined, extra: readonly string[] = []): number {
  if (extra.length > 0) {
    throw new LockstepError(`expected one job id, found ${extra.length + 1}: ${[text, ...extra].join(' ')}`, { hint: 'Pass one id at a time.' });
  }
  if (!text || !/^\d+$/.test(text)) {
    throw new LockstepError(`expected a job id (a number), found ${text === undefined ? 'nothing' : `"${text}"`}`, {
      hint: 'Find ids with `lockstep jobs list`.',
    });
  }
  return Number(text);
}

export function parseIntOption(name: string, value: unknown, min = 0): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) throw new LockstepError(`--${name} must be an integer of at least ${min}, found "${String(value)}"`);
  return n;
}
