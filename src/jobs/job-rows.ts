import type { JobEvent, JobEventKind, JobRecord, JobState, LogLine, ProgressSnapshot, StepRecord, StepStatus, StepWait } from './job-store.js';

/**
 * Row → record mapping shared by both job stores. Column names are the same on both
 * dialects; PostgreSQL returns timestamps as Date and bigints as strings, SQLite returns
 * epoch milliseconds and JSON as text.
 */
export function toDate(value: unknown): Date {
  if (value instanceof Date) return value;
  return new Date(typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : (value as number | string));
}

export function toDateOrNull(value: unknown): Date | null {
  return value === null || value === undefined ? null : toDate(value);
}

function numOrNull(value: unknown): number | null {
  return value === null || value === undefined ? null : Number(value);
}

export function parseJson(value: unknown): unknown {
  if (typeof value !== 'string') return value ?? null;
  try {
    return JSON.parse(value);
  } catch {
    return value;
  }
}

export function rowToJob(row: Record<string, unknown>, jsonAsText: boolean): JobRecord {
  const done = numOrNull(row.progress_done);
  const progress: ProgressSnapshot | null =
    done === null
      ? null
      : {
          done,
          total: numOrNull(row.progress_total),
          percent: numOrNull(row.progress_percent),
          etaSeconds: numOrNull(row.progress_eta_seconds),
        };
  return {
    id: Number(row.id),
    task: String(row.task),
    queue: String(row.queue),
    state: row.state as JobState,
    payload: jsonAsText ? parseJson(row.payload) : (row.payload ?? null),
    priority: Number(row.priority),
    attempt: Number(row.attempt),
    maxAttempts: Number(row.max_attempts),
    key: (row.key as string | null) ?? null,
    runAt: toDate(row.run_at),
    createdAt: toDate(row.created_at),
    startedAt: toDateOrNull(row.started_at),
    finishedAt: toDateOrNull(row.finished_at),
    lastError: (row.last_error as string | null) ?? null,
    workerId: (row.worker_id as string | null) ?? null,
    leaseExpiresAt: toDateOrNull(row.lease_expires_at),
    progress,
    progressUpdatedAt: toDateOrNull(row.progress_updated_at),
    progressWrites: Number(row.progress_writes ?? 0),
    result: jsonAsText ? parseJson(row.result) : (row.result ?? null),
    parentId: numOrNull(row.parent_id),
  };
}

export function rowToStep(row: Record<string, unknown>, jsonAsText: boolean): StepRecord {
  const wait = jsonAsText ? parseJson(row.wait) : row.wait;
  return {
    name: String(row.name),
    attempt: Number(row.attempt),
    status: row.status as StepStatus,
    result: jsonAsText ? parseJson(row.result) : (row.result ?? null),
    wait: (wait ?? null) as StepWait | null,
    startedAt: toDate(row.started_at),
    finishedAt: toDateOrNull(row.finished_at),
  };
}

export function rowToLog(row: Record<string, unknown>): LogLine {
  return {
    jobId: Number(row.job_id),
    attempt: Number(row.attempt),
    at: toDate(row.at),
    level: row.level as LogLine['level'],
    message: String(row.message),
  };
}

export function rowToEvent(row: Record<string, unknown>): JobEvent {
  return {
    at: toDate(row.at),
    attempt: Number(row.attempt),
    kind: row.kind as JobEventKind,
    message: (row.message as string | null) ?? null,
    workerId: (row.worker_id as string | null) ?? null,
  };
}

/**
 * Pairs rows an INSERT … ON CONFLICT DO NOTHING returned with the jobs asked for: keyed
 * jobs by key, the others in insertion order. Keys that were not inserted are returned
 * in `missingKeys` for the caller to look up.
 */
export function matchInserted(
  inputs: { key: string | null }[],
  inserted: { id: number; key: string | null }[],
): { ids: (number | null)[]; missingKeys: string[] } {
  const byKey = new Map<string, number>();
  const unkeyed: number[] = [];
  for (const row of inserted) {
    if (row.key === null) unkeyed.push(row.id);
    else byKey.set(row.key, row.id);
  }
  let next = 0;
  const ids: (number | null)[] = [];
  const missingKeys: string[] = [];
  const seen = new Set<string>();
  for (const input of inputs) {
    if (input.key === null) ids.push(unkeyed[next++] ?? null);
    else if (byKey.has(input.key) && !seen.has(input.key)) {
      seen.add(input.key);
      ids.push(byKey.get(input.key)!);
    } else {
      ids.push(null);
      missingKeys.push(input.key);
    }
  }
  return { ids, missingKeys };
}

/**
 * The attempt the row's `started_at` belongs to. A graceful-shutdown release (or a wait)
 * hands the job back without counting the attempt (the row's attempt goes down by one) but keeps
 * `started_at`; the `released` event after that start carries the attempt that ran.
 *
 * @example
 * startedAttempt(releasedJob, events); // 1, not the row's 0
 */
export function startedAttempt(job: JobRecord, events: readonly JobEvent[]): number {
  if (!job.startedAt || job.state === 'running') return job.attempt;
  const started = job.startedAt.getTime();
  // A job that went to wait (ctx.sleep, waitForEvent, spawn) is handed back the same way.
  const release = events.filter((e) => (e.kind === 'released' || e.kind === 'waiting') && e.at.getTime() >= started).at(-1);
  return release ? Math.max(release.attempt, job.attempt) : job.attempt;
}

/** Progress as shown to people: an ETA only while the job runs (a queued or cancelled job has none). */
export function shownProgress(job: Pick<JobRecord, 'state' | 'progress'>): ProgressSnapshot | null {
  if (!job.progress || job.state === 'running') return job.progress;
  return { ...job.progress, etaSeconds: null };
}
