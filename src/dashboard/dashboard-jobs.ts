import type { Database } from '../dialects/database.js';
import { LockstepError } from '../core/errors.js';
import type { JobEvent, JobRecord, JobState, JobStore } from '../jobs/job-store.js';
import { JOB_STATES } from '../jobs/job-store.js';
import { shownProgress, startedAttempt } from '../jobs/job-rows.js';
import { openJobStore } from '../jobs/open-job-store.js';
import type { DashboardJobs, JobAttemptView, JobDetailView, JobView } from './dashboard-data.js';

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

  return {
    async list(filter) {
      const s = await installed();
      if (!s) return { jobs: [], tasks: [] };
      const state = filter.state && (JOB_STATES as readonly string[]).includes(filter.state) ? (filter.state as JobState) : undefined;
      if (filter.state && !state) throw new LockstepError(`unknown job state "${filter.state}"`, { hint: `States: ${JOB_STATES.join(', ')}.` });
      const records = await s.listJobs({ state, task: filter.task, queue: filter.queue, search: filter.search, limit: filter.limit });
      const workers = await s.workers();
      const tasks = [...new Set([...records.map((r) => r.task), ...workers.flatMap((w) => w.tasks), ...(filter.task ? [filter.task] : [])])].sort();
      return { jobs: records.map(toView), tasks };
    },
    async get(id) {
      const s = await installed();
      if (!s) return null;
      const record = await s.getJob(parseId(id));
      if (!record) return null;
      return toDetail(record, await s.jobEvents(record.id));
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

const OUTCOME: Record<string, string> = { failed: 'failed', 'retry-scheduled': 'failed', dead: 'dead', rescued: 'lost', released: 'released', cancelled: 'cancelled', fenced: 'lost' };

/** Attempts and a timeline from the job row and its events (creation, start and finish live on the row). */
function toDetail(job: JobRecord, events: JobEvent[]): JobDetailView {
  const attempts: JobAttemptView[] = [];
  // A released attempt is not counted on the row (attempt goes back down) but it did run.
  const started = startedAttempt(job, events);
  const last = Math.max(job.attempt, started);
  for (let n = 1; n <= last; n++) {
    const ending = events.filter((e) => e.attempt === n && OUTCOME[e.kind]).at(-1);
    const isCurrent = n === last;
    attempts.push({
      attempt: n,
      startedAt: isCurrent ? iso(job.startedAt) : null,
      finishedAt: ending ? ending.at.toISOString() : isCurrent ? iso(job.finishedAt) : null,
      outcome: ending ? OUTCOME[ending.kind] : isCurrent ? job.state : 'unknown',
      error: ending?.message ?? (isCurrent && job.state === 'dead' ? job.lastError : null),
      worker: ending?.workerId ?? (isCurrent ? job.workerId : null),
    });
  }
  const timeline: JobDetailView['timeline'] = [{ at: job.createdAt.toISOString(), event: 'created', detail: job.key ? `key ${job.key}` : undefined }];
  for (const e of events) timeline.push({ at: e.at.toISOString(), event: e.kind, detail: [e.attempt ? `attempt ${e.attempt}` : '', e.message ?? ''].filter(Boolean).join(': ') || undefined });
  if (job.startedAt) timeline.push({ at: job.startedAt.toISOString(), event: 'started', detail: `attempt ${started}${job.workerId ? ` on ${job.workerId}` : ''}` });
  // A dead or cancelled job already has that event; the row's finish time would repeat it.
  const finishLogged = events.some((e) => e.kind === job.state && e.attempt === job.attempt);
  if (job.finishedAt && !finishLogged) timeline.push({ at: job.finishedAt.toISOString(), event: job.state });
  timeline.sort((a, b) => a.at.localeCompare(b.at));
  return { ...toView(job), payload: job.payload, priority: job.priority, attempts, timeline };
}
