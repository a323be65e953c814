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
}

export interface JobFilter {
  state?: string;
  task?: string;
  queue?: string;
  /** A job id, or (part of) a job key. */
  search?: string;
  limit?: number;
}

/** The jobs operations the dashboard needs; implemented over `lockstep/jobs`. */
export interface DashboardJobs {
  list(filter: JobFilter): Promise<{ jobs: JobView[]; tasks: string[] }>;
  get(id: string): Promise<JobDetailView | null>;
  retry(id: string): Promise<JobView>;
  cancel(id: string): Promise<JobView>;
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
