import type { Database } from '../dialects/database.js';
import type { HealthSettings } from './health-settings.js';
import { EMPTY_JOBS, type JobsFacts } from './ops-facts.js';

/** Queue counts, workers, lag, expired leases and recent failures. */
export async function readJobsFacts(_db: Database, _settings: HealthSettings): Promise<Omit<JobsFacts, 'durationMs'>> {
  return { ...EMPTY_JOBS };
}
