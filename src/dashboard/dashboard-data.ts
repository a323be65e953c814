import type { HealthReport } from '../health/health-report.js';
import type { OpsFacts } from '../health/ops-facts.js';
import type { SchemaChange } from '../core/schema-change.js';

/** A job as the dashboard shows it (the shape of `lockstep jobs show --json`). */
export interface JobView {
  id: string;
  task: string;
  queue: string;
  state: string;
  attempt: number;
  maxAttempts: number;
  progress: { done: number; total: number | null; percent: number | null; etaSeconds: number | null } | null;
  runAt: string | null;
  createdAt: string | null;
  startedAt: string | null;
  finishedAt: string | null;
  lastError: string | null;
  key: string | null;
  /** Running, but the lease ran out: the worker is gone (a "stuck" job). */
  leaseExpired: boolean;
}

export interface JobAttemptView {
  attempt: number;
  startedAt: string | null;
  finishedAt: string | null;
  /** finishedAt − startedAt; null while the attempt runs. */
  durationMs: number | null;
  outcome: string;
  error: string | null;
  worker: string | null;
}

export interface JobDetailView extends JobView {
  payload: unknown;
  priority: number | null;
  attempts: JobAttemptView[];
  /** Every event known for the job, oldest first. */
  timeline: Array<{ at: string; event: string; detail?: string }>;
  /** Present when the job store records them (a handler's return value, `ctx.log` lines, steps, child jobs). */
  result?: unknown;
  logs?: unknown;
  steps?: unknown;
  children?: unknown;
}

export interface JobFilter {
  state?: string;
  task?: string;
  queue?: string;
  /** A job id, or part of a key, a task name or the payload's JSON. */
  search?: string;
  limit?: number;
  /** Skip this many (newest first): pagination. */
  offset?: number;
}

/** One page of jobs, with the total that match the filter. */
export interface JobPage {
  jobs: JobView[];
  tasks: string[];
  /** Jobs matching the filter, counted up to 10,000 (`totalCapped` then says there are more). */
  total: number;
  totalCapped: boolean;
  offset: number;
  limit: number;
}

export type BulkRequest = { action: 'retry' | 'cancel' | 'delete' } & ({ ids: string[] } | { filter: JobFilter });

export interface QueueView {
  queue: string;
  paused: boolean;
  pausedAt: string | null;
  /** One point per minute of the last hour (oldest first), from the queue history table. */
  history: Array<{ minute: string; succeeded: number; failed: number; dead: number }>;
}

/** The jobs operations the dashboard needs; implemented over `lockstep/jobs`. */
export interface DashboardJobs {
  list(filter: JobFilter): Promise<JobPage>;
  get(id: string): Promise<JobDetailView | null>;
  retry(id: string): Promise<JobView>;
  cancel(id: string): Promise<JobView>;
  /** Acts on the selected jobs, or on every job matching a filter; returns the ids acted on. */
  bulk(request: BulkRequest): Promise<{ action: string; ids: string[] }>;
  queues(): Promise<QueueView[]>;
  pause(queue: string): Promise<QueueView[]>;
  resume(queue: string): Promise<QueueView[]>;
}

export interface DriftGroup {
  table: string;
  changes: SchemaChange[];
}

/** Everything the overview panes show, in one response. */
export interface DashboardOverview {
  readOnly: boolean;
  report: HealthReport;
  facts: OpsFacts;
  drift: DriftGroup[];
}

/** Groups drift by table (enum and view changes under their own name), tables in name order. */
export function groupDrift(changes: readonly SchemaChange[]): DriftGroup[] {
  const groups = new Map<string, SchemaChange[]>();
  for (const change of changes) {
    const table = change.schema ? `${change.schema}.${change.table}` : change.table;
    const list = groups.get(table) ?? [];
    list.push(change);
    groups.set(table, list);
  }
  return [...groups].sort(([a], [b]) => a.localeCompare(b)).map(([table, list]) => ({ table, changes: list }));
}
