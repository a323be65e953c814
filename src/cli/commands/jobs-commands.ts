import { LockstepError } from '../../core/errors.js';
import type { JobAttempt, JobState } from '../../jobs/job-store.js';
import { JOB_STATES } from '../../jobs/job-store.js';
import { jobJson } from '../../jobs/queue.js';
import type { Command } from '../command.js';
import { createStyle } from '../../report/style.js';
import { maybeLoadTasks, parseIntOption, parseJobId, withQueue } from './jobs-common.js';
import { formatJobDetails, formatJobTable } from './jobs-format.js';
import { JSON_OPTION, printJson } from './json-output.js';

export const jobsInstallCommand: Command = {
  name: 'jobs install',
  summary: "create or upgrade the jobs queue's tables (lockstep's own migrations)",
  reads: ['url', 'config'],
  options: { json: JSON_OPTION },
  async run(args, ctx) {
    return withQueue(ctx, { install: true }, async (queue) => {
      const { from, to } = await queue.install();
      if (args.values.json) {
        printJson(ctx, { from: from || null, to, changed: from !== to });
        return 0;
      }
      ctx.stdout.write(from === to ? `jobs tables already at version ${to}\n` : `jobs tables installed at version ${to}${from ? ` (were at ${from})` : ''}\n`);
      return 0;
    });
  },
};

export const jobsEnqueueCommand: Command = {
  name: 'jobs enqueue',
  summary: 'enqueue a job and print its id',
  reads: ['url', 'config'],
  args: 'NAME',
  allowPositionals: true,
  options: {
    payload: { type: 'string', placeholder: 'JSON', description: 'the payload, as JSON (default null)' },
    key: { type: 'string', placeholder: 'K', description: 'idempotency key: returns the queued/running job with this key if any' },
    'run-at': { type: 'string', placeholder: 'ISO', description: 'not before this time, e.g. 2030-01-01T09:00:00Z' },
    priority: { type: 'string', placeholder: 'N', description: 'higher runs first (default 0)' },
    queue: { type: 'string', placeholder: 'Q', description: "queue name (default the task's, else default)" },
    'max-attempts': { type: 'string', placeholder: 'N', description: "attempts before the job is dead (default the task's, else 5)" },
    tasks: { type: 'string', placeholder: 'FILE', description: "tasks module: the task's payload check, queue, attempts and priority (default jobs.tasks of the config)" },
    unchecked: { type: 'boolean', description: 'without a tasks module: enqueue any name with the defaults (queue default, 5 attempts)' },
    json: JSON_OPTION,
  },
  async run(args, ctx) {
    const [name, ...extra] = args.positionals;
    if (!name || extra.length > 0) throw new LockstepError('expected exactly one task name', { hint: 'lockstep jobs enqueue NAME --payload JSON' });
    let payload: unknown = null;
    if (typeof args.values.payload === 'string') {
      try {
        payload = JSON.parse(args.values.payload);
      } catch (error) {
        throw new LockstepError(`--payload is not valid JSON: ${(error as Error).message}`, { hint: `e.g. --payload '{"sku":"A-1"}'` });
      }
    }
    const tasks = await maybeLoadTasks(ctx, args.values.tasks as string | undefined);
    if (tasks && !tasks.some((t) => t.name === name)) {
      const file = (args.values.tasks as string | undefined) ?? 'jobs.tasks of the config';
      throw new LockstepError(`no task named "${name}" in the tasks module (${file})`, { hint: `Known tasks: ${tasks.map((t) => t.name).join(', ')}.` });
    }
    // Without its definition a job would silently get the default queue and attempts.
    if (!tasks && !args.values.unchecked) {
      throw new LockstepError(`cannot check task "${name}": no tasks module to read its queue, attempts and payload from`, {
        hint: 'Pass --tasks FILE or set "jobs": { "tasks": "./src/tasks.ts" } in the config; --unchecked enqueues it with the defaults.',
      });
    }
    return withQueue(ctx, { tasks }, async (queue) => {
      const job = await queue.enqueue(name, payload, {
        key: args.values.key as string | undefined,
        runAt: args.values['run-at'] as string | undefined,
        priority: parseIntOption('priority', args.values.priority, Number.MIN_SAFE_INTEGER),
        queue: args.values.queue as string | undefined,
        maxAttempts: parseIntOption('max-attempts', args.values['max-attempts'], 1),
      });
      if (args.values.json) {
        const record = await queue.getJob(job.id);
        printJson(ctx, { created: job.created, job: record ? jobJson(record) : { id: job.id } });
        return 0;
      }
      ctx.stdout.write(`${job.id}\n`);
      if (!job.created) ctx.stderr.write(`a job with key "${String(args.values.key)}" is already queued or running: ${job.id}\n`);
      return 0;
    });
  },
};

export const jobsListCommand: Command = {
  name: 'jobs list',
  summary: 'list jobs, newest first',
  reads: ['url', 'config'],
  options: {
    state: { type: 'string', placeholder: 'S', description: `only jobs in this state (${JOB_STATES.join(', ')}); a comma list works` },
    task: { type: 'string', placeholder: 'NAME', description: 'only jobs of this task' },
    queue: { type: 'string', placeholder: 'Q', description: 'only jobs of this queue' },
    search: { type: 'string', placeholder: 'TEXT', description: 'a job id, or part of a key, a task name or the payload (JSON text)' },
    limit: { type: 'string', placeholder: 'N', description: 'at most N jobs (default 50)' },
    json: { type: 'boolean', description: 'print JSON (an array of `jobs show --json` objects)' },
  },
  async run(args, ctx) {
    const states = typeof args.values.state === 'string' ? args.values.state.split(',').map((s) => s.trim()) : undefined;
    for (const s of states ?? []) {
      if (!JOB_STATES.includes(s as JobState)) throw new LockstepError(`unknown state "${s}"`, { hint: `States: ${JOB_STATES.join(', ')}.` });
    }
    return withQueue(ctx, async (queue) => {
      const jobs = await queue.listJobs({
        state: states as JobState[] | undefined,
        task: args.values.task as string | undefined,
        queue: args.values.queue as string | undefined,
        search: args.values.search as string | undefined,
        limit: parseIntOption('limit', args.values.limit, 1) ?? 50,
      });
      if (args.values.json) ctx.stdout.write(`${JSON.stringify(jobs.map(jobJson), null, 2)}\n`);
      else ctx.stdout.write(formatJobTable(jobs, createStyle(ctx.color)));
      return 0;
    });
  },
};

/** An ended (or running) attempt in `jobs show --json`: times as ISO strings. */
function attemptJson(a: JobAttempt) {
  return { attempt: a.attempt, startedAt: a.startedAt.toISOString(), endedAt: a.endedAt?.toISOString() ?? null, durationMs: a.endedAt ? a.endedAt.getTime() - a.startedAt.getTime() : null, outcome: a.outcome, error: a.error, workerId: a.workerId };
}

export const jobsShowCommand: Command = {
  name: 'jobs show',
  summary: 'show one job: state, attempts, progress, errors and timeline',
  reads: ['url', 'config'],
  args: 'ID',
  allowPositionals: true,
  options: { json: { type: 'boolean', description: 'print JSON' } },
  async run(args, ctx) {
    const id = parseJobId(args.positionals[0], args.positionals.slice(1));
    return withQueue(ctx, async (queue) => {
      const job = await queue.getJob(id);
      if (!job) throw new LockstepError(`job ${id} does not exist`, { hint: 'List jobs with `lockstep jobs list`.' });
      const attempts = await queue.jobAttempts(id);
      if (args.values.json) ctx.stdout.write(`${JSON.stringify({ ...jobJson(job), attempts: attempts.map(attemptJson) }, null, 2)}\n`);
      else ctx.stdout.write(formatJobDetails(job, createStyle(ctx.color), attempts));
      return 0;
    });
  },
};

export const jobsRetryCommand: Command = {
  name: 'jobs retry',
  summary: 'run a dead, cancelled or waiting job again, now, with fresh attempts',
  reads: ['url', 'config'],
  args: 'ID',
  allowPositionals: true,
  options: { json: JSON_OPTION },
  async run(args, ctx) {
    const id = parseJobId(args.positionals[0], args.positionals.slice(1));
    return withQueue(ctx, async (queue) => {
      const job = await queue.retryJob(id);
      if (args.values.json) {
        printJson(ctx, jobJson(job));
        return 0;
      }
      ctx.stdout.write(`job ${job.id} (${job.task}) is queued again\n`);
      return 0;
    });
  },
};

export const jobsCancelCommand: Command = {
  name: 'jobs cancel',
  summary: 'cancel a queued or running job (a running one is told through its signal)',
  reads: ['url', 'config'],
  args: 'ID',
  allowPositionals: true,
  options: { json: JSON_OPTION },
  async run(args, ctx) {
    const id = parseJobId(args.positionals[0], args.positionals.slice(1));
    return withQueue(ctx, async (queue) => {
      const job = await queue.cancelJob(id);
      if (args.values.json) {
        printJson(ctx, jobJson(job));
        return 0;
      }
      ctx.stdout.write(`job ${job.id} (${job.task}) is cancelled\n`);
      return 0;
    });
  },
};

export const jobsPauseCommand: Command = {
  name: 'jobs pause',
  summary: 'pause a queue: workers claim none of its jobs (running ones finish) until it is resumed',
  reads: ['url', 'config'],
  args: 'QUEUE',
  allowPositionals: true,
  options: { json: JSON_OPTION },
  run: (args, ctx) => pauseOrResume(args, ctx, 'pause'),
};

export const jobsResumeCommand: Command = {
  name: 'jobs resume',
  summary: 'resume a paused queue and wake the workers',
  reads: ['url', 'config'],
  args: 'QUEUE',
  allowPositionals: true,
  options: { json: JSON_OPTION },
  run: (args, ctx) => pauseOrResume(args, ctx, 'resume'),
};

async function pauseOrResume(args: Parameters<Command['run']>[0], ctx: Parameters<Command['run']>[1], verb: 'pause' | 'resume'): Promise<number> {
  const [name, ...extra] = args.positionals;
  if (!name || extra.length > 0) throw new LockstepError(`expected exactly one queue name, found ${args.positionals.length}`, { hint: `lockstep jobs ${verb} QUEUE (e.g. lockstep jobs ${verb} default)` });
  return withQueue(ctx, async (queue) => {
    if (verb === 'pause') await queue.pauseQueue(name);
    else await queue.resumeQueue(name);
    const info = (await queue.queues()).find((q) => q.queue === name) ?? { queue: name, paused: false, pausedAt: null };
    if (args.values.json) {
      printJson(ctx, { queue: info.queue, paused: info.paused, pausedAt: info.pausedAt?.toISOString() ?? null });
      return 0;
    }
    ctx.stdout.write(verb === 'pause' ? `queue ${name} is paused: workers claim none of its jobs until \`lockstep jobs resume ${name}\`\n` : `queue ${name} is running: workers claim its jobs again\n`);
    return 0;
  });
}
