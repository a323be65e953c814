import type { Database } from '../dialects/database.js';
import { connect } from '../dialects/index.js';
import { LockstepError } from '../core/errors.js';
import type { JobStore } from './job-store.js';
import { createJobStore } from './sql-job-store.js';

export interface JobStoreTarget {
  /** Database URL; the store opens (and closes) its own connections. */
  url?: string;
  /** An open lockstep Database to use instead (closed by its owner, not by the store). */
  db?: Database;
  /** Pool size when opening from `url`. Default 4. */
  maxConnections?: number;
  /** Reported to PostgreSQL as application_name (so connections can be counted). */
  applicationName?: string;
}

export interface OpenedJobStore {
  store: JobStore;
  db: Database;
  /** Closes the store, and the database when it was opened here. */
  close(): Promise<void>;
}

export const DEFAULT_POOL_SIZE = 4;

/** Opens the jobs store of a database given by URL or by an open Database. */
export async function openJobStore(target: JobStoreTarget): Promise<OpenedJobStore> {
  if (!target.url && !target.db) {
    throw new LockstepError('no database for the jobs queue', { hint: 'Pass { url } or { db }.' });
  }
  const maxConnections = target.maxConnections ?? DEFAULT_POOL_SIZE;
  const db = target.db ?? (await connect(target.url!, { maxConnections, applicationName: target.applicationName }));
  const store = createJobStore(db, { maxConnections });
  return {
    store,
    db,
    close: async () => {
      await store.close();
      if (!target.db) await db.close();
    },
  };
}
