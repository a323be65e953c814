import type { HealthReport } from '../health/health-report.js';
import type { OpsFacts } from '../health/ops-facts.js';
import type { MetricFamily, Sample } from './prometheus.js';

/** Every job state, so a state with no jobs is exported as 0 instead of vanishing. */
export const JOB_STATES = ['queued', 'scheduled', 'retrying', 'waiting', 'running', 'succeeded', 'dead', 'cancelled'] as const;

const STATUS_VALUE = { ok: 0, skipped: 0, degraded: 1, failing: 2 } as const;

/**
 * The metric families `/metrics` exposes, computed from one read of the facts. All are
 * gauges read at scrape time: the queue lives in the database, not in this process, so
 * any process (a worker, the dashboard, the service) reports the same numbers.
 *
 * @example
 * renderPrometheus(opsMetrics(facts, evaluateHealth(facts, settings)));
 */
export function opsMetrics(facts: OpsFacts, report: HealthReport): MetricFamily[] {
  const jobs = facts.jobs;
  const queues = [...new Set(jobs.counts.map((c) => c.queue))].sort();
  const count = (queue: string, state: string) => jobs.counts.filter((c) => c.queue === queue && c.state === state).reduce((s, c) => s + c.count, 0);
  const liveWorkers = jobs.workers.filter((w) => w.live).length;
  // Queue-wide numbers only exist once the jobs tables do; before that they are absent, not 0.
  const ifInstalled = (samples: Sample[]) => (jobs.installed ? samples : []);

  return [
    { name: 'lockstep_up', help: 'Whether the database answered (1) or not (0).', type: 'gauge', samples: [{ value: facts.database.reachable ? 1 : 0 }] },
    {
      name: 'lockstep_database_latency_seconds',
      help: 'Round trip of select 1 to the database.',
      type: 'gauge',
      samples: facts.database.latencyMs === null ? [] : [{ value: facts.database.latencyMs / 1000 }],
    },
    {
      name: 'lockstep_health_probe_status',
      help: 'Health probe status: 0 ok or skipped, 1 degraded, 2 failing.',
      type: 'gauge',
      samples: report.probes.map((p) => ({ labels: { probe: p.name }, value: STATUS_VALUE[p.status] })),
    },
    {
      name: 'lockstep_migrations_pending',
      help: 'Migrations in the folder not yet applied to the database.',
      type: 'gauge',
      samples: facts.migrations.configured && !facts.migrations.error ? [{ value: facts.migrations.pending.length }] : [],
    },
    {
      name: 'lockstep_schema_drift_changes',
      help: 'Differences between the live schema and the expected one (lockstep check).',
      type: 'gauge',
      samples: facts.schema.configured && !facts.schema.error ? [{ value: facts.schema.changes.length }] : [],
    },
    {
      name: 'lockstep_jobs',
      help: 'Jobs by queue and state.',
      type: 'gauge',
      samples: queues.flatMap((queue) => JOB_STATES.map((state) => ({ labels: { queue, state }, value: count(queue, state) }))),
    },
    {
      name: 'lockstep_queue_lag_seconds',
      help: 'Age of the oldest job ready to run (0 when none waits).',
      type: 'gauge',
      samples: ifInstalled([{ value: (jobs.oldestReadyAgeMs ?? 0) / 1000 }]),
    },
    {
      name: 'lockstep_jobs_finished_last_minute',
      help: 'Jobs that reached a final state in the last minute (throughput), by state.',
      type: 'gauge',
      samples: ifInstalled(Object.entries(jobs.finishedLastMinute).map(([state, value]) => ({ labels: { state }, value }))),
    },
    {
      name: 'lockstep_job_failures_last_minute',
      help: 'Failed job attempts (retried or dead) in the last minute.',
      type: 'gauge',
      samples: ifInstalled([{ value: jobs.failuresLastMinute }]),
    },
    {
      name: 'lockstep_jobs_dead_last_hour',
      help: 'Jobs that went dead in the last hour.',
      type: 'gauge',
      samples: ifInstalled([{ value: jobs.deadLastHour }]),
    },
    {
      name: 'lockstep_jobs_expired_leases',
      help: 'Running jobs whose lease has expired (their worker is gone).',
      type: 'gauge',
      samples: ifInstalled([{ value: jobs.expiredLeases }]),
    },
    {
      name: 'lockstep_workers',
      help: 'Registered workers by liveness (live: heartbeat recent).',
      type: 'gauge',
      samples: ifInstalled([
        { labels: { state: 'live' }, value: liveWorkers },
        { labels: { state: 'stale' }, value: jobs.workers.length - liveWorkers },
      ]),
    },
  ];
}
