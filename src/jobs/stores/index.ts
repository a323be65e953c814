import type { Database } from '../../dialects/database.js';
import type { JobStore, JobStoreOptions } from '../job-store.js';
import { createPostgresJobStore } from './postgres.js';
import { createSqliteJobStore } from './sqlite.js';

/** The jobs queue's storage on an open database. */
export function createJobStore(db: Database, options?: JobStoreOptions): JobStore {
  return db.dialect === 'postgres' ? createPostgresJobStore(db, options) : createSqliteJobStore(db, options);
}
