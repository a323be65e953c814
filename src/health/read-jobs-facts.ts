import type { JobStore } from '../jobs/job-store.js';
import { JOBS_SCHEMA_VERSION } from '../jobs/jobs-schema-version.js';
import type { HealthSettings } from './health-settings.js';
import { EMPTY_JOBS, type JobsFacts } from './ops-facts.js';

/**
 * Queue counts, workers, lag, expired leases and recent failures, read through the job
 * store: the statistics from the copy the elected worker keeps when it is fresh enough
 * (`health.statsCacheMs`), else a few aggregate queries; never one per job.
 */
export async function readJobsFacts(store: JobStore, settings: HealthSettings): Promise<Omit<JobsFacts, 'durationMs'>> {
  const version = await store.installedVersion();
  if (version === 0) return { ...EMPTY_JOBS, expectedVersion: JOBS_SCHEMA_VERSION };
  // Tables from another version may not have the columns the queries below read.
  if (version !== JOBS_SCHEMA_VERSION) return { ...EMPTY_JOBS, installed: true, version, expectedVersion: JOBS_SCHEMA_VERSION };
  const stats = await store.stats({ maxAgeMs: settings.statsCacheMs });
  const staleMs = settings.workers.staleAfterSeconds * 1000;
  const workers = (await store.workers()).map((w) => ({
    id: w.id,
    name: `${w.hostname}:${w.pid}`,
    queues: w.queues ?? [],
    startedAt: w.startedAt.toISOString(),
    heartbeatAt: w.heartbeatAt.toISOString(),
    heartbeatAgeMs: w.heartbeatAgeMs,
    live: w.heartbeatAgeMs <= staleMs,
    runningJobs: w.runningJobs,
  }));
  return {
    installed: true,
    version,
    expectedVersion: JOBS_SCHEMA_VERSION,
    counts: stats.counts,
    workers,
    oldestReadyAgeMs: stats.oldestReadyAgeMs,
    expiredLeases: stats.expiredLeases,
    deadLastHour: stats.deadLastHour,
    finishedLastMinute: stats.finishedLastMinute,
    failuresLastMinute: stats.failuresLastMinute,
    statsAgeMs: stats.ageMs,
  };
}
