import { rowToEvent, rowToJob, toDate } from './job-rows.js';
import type { JobAttempt, JobEvent, JobRecord, JobState, ListJobsFilter, QueueHistoryPoint, QueueInfo, QueueStats, WorkerInfo } from './job-store.js';
import type { JobPlans, Sql } from './plans/job-plans.js';

/** How old the cached queue statistics may be when `queues()` takes the queue names from them. */
const QUEUE_NAMES_MAX_AGE_MS = 15_000;

type Row = Record<string, unknown>;

/**
 * The job store's read side, for the CLI, health and the dashboard: jobs, their events and
 * attempts, queue statistics (from the cache the elected worker writes, when fresh
 * enough), workers, queues and history. It writes nothing, so it needs only the plans and
 * a way to run them; `SqlJobStore` delegates to it.
 */
export class JobStoreReads {
  constructor(
    private readonly run: (sql: Sql) => Promise<Row[]>,
    private readonly plans: JobPlans,
  ) {}

  async getJob(id: number): Promise<JobRecord | null> {
    const [row] = await this.run(this.plans.getJob(id));
    return row ? rowToJob(row, this.plans.jsonAsText) : null;
  }

  async jobEvents(id: number): Promise<JobEvent[]> {
    return (await this.run(this.plans.jobEvents(id))).map(rowToEvent);
  }

  async listJobs(filter: ListJobsFilter): Promise<JobRecord[]> {
    return (await this.run(this.plans.listJobs(filter))).map((r) => rowToJob(r, this.plans.jsonAsText));
  }

  async stats(options: { maxAgeMs?: number } = {}): Promise<QueueStats> {
    if (options.maxAgeMs !== undefined && options.maxAgeMs > 0) {
      const [cached] = await this.run(this.plans.readStats(Date.now()));
      const ageMs = cached ? Math.max(0, Math.round(Number(cached.age))) : Infinity;
      if (cached && ageMs <= options.maxAgeMs) {
        const stats = (typeof cached.stats === 'string' ? JSON.parse(cached.stats) : cached.stats) as Omit<QueueStats, 'ageMs'>;
        return { ...stats, ageMs };
      }
    }
    return this.readStatsNow();
  }

  private async readStatsNow(): Promise<QueueStats> {
    const now = Date.now();
    const counts = await this.run(this.plans.countsByState());
    const [s] = await this.run(this.plans.statsSummary(now));
    return {
      counts: counts.map((r) => ({ queue: String(r.queue), state: r.state as JobState, count: Number(r.count) })),
      oldestReadyAgeMs: s!.oldest === null || s!.oldest === undefined ? null : Math.max(0, Math.round(Number(s!.oldest))),
      expiredLeases: Number(s!.expired),
      deadLastHour: Number(s!.dead_hour),
      finishedLastMinute: { succeeded: Number(s!.ok_min), dead: Number(s!.dead_min), cancelled: Number(s!.cancel_min) },
      failuresLastMinute: Number(s!.fail_min),
      ageMs: 0,
    };
  }

  async workers(): Promise<WorkerInfo[]> {
    const list = (value: unknown): string[] | null => (value === null || value === undefined ? null : typeof value === 'string' ? (JSON.parse(value) as string[]) : (value as string[]));
    return (await this.run(this.plans.workers(Date.now()))).map((r) => ({
      id: String(r.id),
      hostname: String(r.hostname),
      pid: Number(r.pid),
      queues: list(r.queues),
      tasks: list(r.tasks) ?? [],
      concurrency: Number(r.concurrency),
      startedAt: toDate(r.started_at),
      heartbeatAt: toDate(r.heartbeat_at),
      heartbeatAgeMs: Math.max(0, Math.round(Number(r.age))),
      runningJobs: Number(r.running),
    }));
  }

  async queues(): Promise<QueueInfo[]> {
    const paused = new Map((await this.run(this.plans.pausedQueues())).map((r) => [String(r.queue), toDate(r.paused_at)]));
    // Queue names from the cached statistics when fresh enough (the dashboard asks every second).
    const { counts } = await this.stats({ maxAgeMs: QUEUE_NAMES_MAX_AGE_MS });
    const names = new Set([...counts.map((c) => c.queue), ...paused.keys()]);
    return [...names].sort().map((queue) => ({ queue, paused: paused.has(queue), pausedAt: paused.get(queue) ?? null }));
  }

  async history(since: Date): Promise<QueueHistoryPoint[]> {
    return (await this.run(this.plans.history(since.getTime()))).map((r) => ({
      queue: String(r.queue),
      minute: toDate(r.minute),
      succeeded: Number(r.succeeded),
      failed: Number(r.failed),
      dead: Number(r.dead),
    }));
  }

  async jobAttempts(id: number): Promise<JobAttempt[]> {
    const job = await this.getJob(id);
    if (!job) return [];
    const kept: JobAttempt[] = (await this.run(this.plans.jobAttempts(id))).map((r) => ({
      attempt: Number(r.attempt),
      startedAt: toDate(r.started_at),
      endedAt: r.ended_at === null || r.ended_at === undefined ? null : toDate(r.ended_at),
      outcome: String(r.outcome),
      error: (r.error as string | null) ?? null,
      workerId: (r.worker_id as string | null) ?? null,
    }));
    // The current (or last) attempt lives on the row until it ends without finishing the job.
    const current = job.startedAt?.getTime();
    if (current !== undefined && !kept.some((a) => a.startedAt.getTime() === current)) {
      const finished = job.state === 'succeeded' || job.state === 'dead' || job.state === 'cancelled';
      if (job.state === 'running' || finished) {
        kept.push({ attempt: job.attempt, startedAt: job.startedAt!, endedAt: finished ? job.finishedAt : null, outcome: job.state, error: job.state === 'succeeded' ? null : job.lastError, workerId: job.workerId });
      }
    }
    return kept.sort((a, b) => a.startedAt.getTime() - b.startedAt.getTime());
  }

  async countJobs(filter: ListJobsFilter, cap = Number.MAX_SAFE_INTEGER): Promise<number> {
    const [row] = await this.run(this.plans.countJobs(filter, cap));
    return Number(row?.n ?? 0);
  }
}
