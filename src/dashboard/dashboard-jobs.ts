import type { Database } from '../dialects/database.js';
import { LockstepError } from '../core/errors.js';
import type { JobAttempt, JobEvent, JobRecord, JobState, JobStore, ListJobsFilter } from '../jobs/job-store.js';
import { JOB_STATES } from '../jobs/job-store.js';
import { shownProgress, startedAttempt } from '../jobs/job-rows.js';
import { openJobStore } from '../jobs/open-job-store.js';
import type { DashboardJobs, JobAttemptView, JobDetailView, JobFilter, JobView, QueueView } from './dashboard-data.js';

/**
 * The dashboard's jobs operations over the job store of `database()` (the health
 * checker's connection: the dashboard opens no pool of its own).
 *
 * @example
 * const jobs = createDashboardJobs(() => checker.database());
 * await jobs.retry('42');
 */
export function createDashboardJobs(database: () => Promise<Database>): DashboardJobs & { close(): Promise<void> } {
  let opened: { db: Database; store: JobStore; close(): Promise<void> } | undefined;
  /** The store, or undefined when the jobs tables are not installed (the page then shows no jobs). */
  const installed = async (): Promise<JobStore | undefined> => {
    const db = await database();
    if (opened?.db !== db) {
      await opened?.close();
      opened = await openJobStore({ db });
    }
    return (await opened.store.installedVersion()) === 0 ? undefined : opened.store;
  };
  const store = async (): Promise<JobStore> => {
    const s = await installed();
    if (!s) throw new LockstepError('the jobs tables are not installed in this database', { hint: 'Run lockstep jobs install.' });
    return s;
  };

  const queueViews = async (s: JobStore): Promise<QueueView[]> => {
    const since = Math.floor(Date.now() / 60_000) * 60_000 - 59 * 60_000;
    const [queues, history] = await Promise.all([s.queues(), s.history(new Date(since))]);
    return queues.map((q) => {
      const points = new Map(history.filter((h) => h.queue === q.queue).map((h) => [h.minute.getTime(), h]));
      return {
        queue: q.queue,
        paused: q.paused,
        pausedAt: iso(q.pausedAt),
        history: Array.from({ length: 60 }, (_, i) => {
          const minute = since + i * 60_000;
          const p = points.get(minute);
          return { minute: new Date(minute).toISOString(), succeeded: p?.succeeded ?? 0, failed: p?.failed ?? 0, dead: p?.dead ?? 0 };
        }),
      };
    });
  };

  return {
    async list(filter) {
      const limit = filter.limit ?? 50;
      const offset = filter.offset ?? 0;
      const s = await installed();
      if (!s) return { jobs: [], tasks: [], total: 0, totalCapped: false, offset, limit };
      const where = storeFilter(filter);
      // The page polls every second: count past the current page only up to a cap.
      const cap = Math.max(COUNT_CAP, offset + limit) + 1;
      const [records, counted, workers] = await Promise.all([s.listJobs({ ...where, limit, offset }), s.countJobs(where, cap), s.workers()]);
      const tasks = [...new Set([...records.map((r) => r.task), ...workers.flatMap((w) => w.tasks), ...(filter.task ? [filter.task] : [])])].sort();
      return { jobs: records.map(toView), tasks, total: Math.min(counted, cap - 1), totalCapped: counted >= cap, offset, limit };
    },
    async get(id) {
      const s = await installed();
      if (!s) return null;
      const record = await s.getJob(parseId(id));
      if (!record) return null;
      return toDetail(record, await s.jobEvents(record.id), await s.jobAttempts(record.id));
    },
    async bulk(request) {
      const s = await store();
      if (!request || typeof request !== 'object') throw new LockstepError('a bulk action needs a JSON object body', { hint: 'Send { "action": "retry", "ids": ["1", "2"] }.' });
      if (!['retry', 'cancel', 'delete'].includes(request.action)) throw new LockstepError(`unknown bulk action "${String(request.action)}"`, { hint: 'Use retry, cancel or delete.' });
      let where: ListJobsFilter;
      if ('ids' in request) {
        if (!Array.isArray(request.ids) || request.ids.length === 0) throw new LockstepError('no job selected', { hint: 'Send { action, ids: ["1", "2"] } or { action, filter: { state, queue, task, search } }.' });
        where = { ids: request.ids.map(parseId) };
      } else if (request.filter && typeof request.filter === 'object') where = storeFilter(request.filter);
      else throw new LockstepError('a bulk action needs ids or a filter', { hint: 'Send { action, ids: ["1", "2"] } or { action, filter: { state, queue, task, search } }.' });
      const ids = await s.bulk(request.action, where);
      return { action: request.action, ids: ids.map(String) };
    },
    async queues() {
      const s = await installed();
      return s ? queueViews(s) : [];
    },
    async pause(queue) {
      const s = await store();
      await s.pauseQueue(queueName(queue));
      return queueViews(s);
    },
    async resume(queue) {
      const s = await store();
      await s.resumeQueue(queueName(queue));
      return queueViews(s);
    },
    async retry(id) {
      const s = await store();
      const record = await s.retryJob(parseId(id));
      if (!record) throw await refused(s, id, 'retried', 'only dead, cancelled or waiting jobs can be retried');
      return toView(record);
    },
    async cancel(id) {
      const s = await store();
      const record = await s.cancelJob(parseId(id));
      if (!record) throw await refused(s, id, 'cancelled', 'only queued or running jobs can be cancelled');
      return toView(record);
    },
    async close() {
      await opened?.close();
      opened = undefined;
    },
  };
}

/** Totals above this show as "10,000+". */
const COUNT_CAP = 10_000;

function storeFilter(filter: JobFilter): ListJobsFilter {
  const state = filter.state && (JOB_STATES as readonly string[]).includes(filter.state) ? (filter.state as JobState) : undefined;
  if (filter.state && !state) throw new LockstepError(`unknown job state "${filter.state}"`, { hint: `States: ${JOB_STATES.join(', ')}.` });
  return { state, task: filter.task || undefined, queue: filter.queue || undefined, search: filter.search || undefined };
}

function queueName(queue: string): string {
  if (!queue || queue.length > 200) throw new LockstepError(`"${queue}" is not a queue name`, { hint: 'Queue names are 1 to 200 characters.' });
  return queue;
}

function parseId(id: string): number {
  const n = Number(id);
  if (!Number.isSafeInteger(n) || n <= 0) throw new LockstepError(`"${id}" is not a job id`, { hint: 'Job ids are positive integers.' });
  return n;
}

async function refused(store: JobStore, id: string, verb: string, rule: string): Promise<LockstepError> {
  const current = await store.getJob(parseId(id));
  return new LockstepError(current ? `job ${id} cannot be ${verb}: it is ${current.state}` : `no job ${id}`, { hint: current ? `${rule}.` : undefined });
}

const iso = (d: Date | null) => (d ? d.toISOString() : null);

export function toView(job: JobRecord): JobView {
  return {
    id: String(job.id),
    task: job.task,
    queue: job.queue,
    state: job.state,
    attempt: job.attempt,
    maxAttempts: job.maxAttempts,
    progress: shownProgress(job),
    runAt: iso(job.runAt),
    createdAt: iso(job.createdAt),
    startedAt: iso(job.startedAt),
    finishedAt: iso(job.finishedAt),
    lastError: job.lastError,
    key: job.key,
    leaseExpired: job.state === 'running' && job.leaseExpiresAt !== null && job.leaseExpiresAt.getTime() < Date.now(),
  };
}

/** Attempts from the store's attempts record: each start and end survives a retry. */
function toDetail(job: JobRecord, events: JobEvent[], kept: JobAttempt[]): JobDetailView {
  const attempts: JobAttemptView[] = kept.map((a) => ({
    attempt: a.attempt,
    startedAt: a.startedAt.toISOString(),
    finishedAt: iso(a.endedAt),
    durationMs: a.endedAt ? a.endedAt.getTime() - a.startedAt.getTime() : null,
    outcome: a.outcome,
    error: a.error,
    worker: a.workerId,
  }));
  const started = startedAttempt(job, events);
  const timeline: JobDetailView['timeline'] = [{ at: job.createdAt.toISOString(), event: 'created', detail: job.key ? `key ${job.key}` : undefined }];
  for (const e of events) timeline.push({ at: e.at.toISOString(), event: e.kind, detail: [e.attempt ? `attempt ${e.attempt}` : '', e.message ?? ''].filter(Boolean).join(': ') || undefined });
  if (job.startedAt) timeline.push({ at: job.startedAt.toISOString(), event: 'started', detail: `attempt ${started}${job.workerId ? ` on ${job.workerId}` : ''}` });
  // A dead or cancelled job already has that event; the row's finish time would repeat it.
  const finishLogged = events.some((e) => e.kind === job.state && e.attempt === job.attempt);
  if (job.finishedAt && !finishLogged) timeline.push({ at: job.finishedAt.toISOString(), event: job.state });
  timeline.sort((a, b) => a.at.localeCompare(b.at));
  // Fields the job store may add (result, logs, steps, children) pass through when present.
  const extra: Partial<Record<'result' | 'logs' | 'steps' | 'children', unknown>> = {};
  for (const key of ['result', 'logs', 'steps', 'children'] as const) {
    const value = (job as unknown as Record<string, unknown>)[key];
    if (value !== undefined) extra[key] = value;
  }
  return { ...toView(job), payload: job.payload, priority: job.priority, attempts, timeline, ...extra };
}
