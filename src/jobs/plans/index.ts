import type { DialectName } from '../../core/model.js';
import type { JobPlans } from './job-plans.js';
import { postgresPlans } from './postgres.js';
import { sqlitePlans } from './sqlite.js';

const PLANS: Record<DialectName, JobPlans> = { postgres: postgresPlans, sqlite: sqlitePlans };

/** The jobs queue's SQL for one dialect. */
export function jobPlansFor(dialect: DialectName): JobPlans {
  return PLANS[dialect];
}
