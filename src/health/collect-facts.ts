import type { LockstepConfig } from '../core/config.js';
import type { Database } from '../dialects/database.js';
import { errorMessage } from '../core/errors.js';
import { openJobStore } from '../jobs/open-job-store.js';
import type { HealthSettings } from './health-settings.js';
import { type DatabaseFacts, EMPTY_JOBS, type OpsFacts, type SectionTiming } from './ops-facts.js';
import { readJobsFacts } from './read-jobs-facts.js';
import { readMigrationFacts } from './read-migration-facts.js';
import { readSchemaFacts, type SchemaFactsCache } from './read-schema-facts.js';

/** State a long-lived checker keeps between reads (the expected schema, built once). */
export interface FactsCache {
  schema?: SchemaFactsCache;
}

export interface CollectOptions {
  config: LockstepConfig;
  settings: HealthSettings;
  cache?: FactsCache;
  displayUrl: string;
  /** Why the database could not be opened, when it could not. */
  connectError?: string;
}

/**
 * Reads every section of the facts. Sections run one after another on purpose: a health
 * check must not take a pool's worth of connections from the service it watches.
 */
export async function collectFacts(db: Database | undefined, options: CollectOptions): Promise<OpsFacts> {
  const collectedAt = new Date().toISOString();
  const database = await readDatabase(db, options);
  const cache = options.cache ?? {};
  const timeout = options.settings.timeoutMs;
  if (!db || !database.reachable) {
    return {
      collectedAt,
      database,
      migrations: { configured: Boolean(options.config.migrations), applied: [], pending: [], durationMs: 0 },
      schema: { configured: Boolean(options.config.schema || options.config.migrations), changes: [], durationMs: 0 },
      jobs: { ...EMPTY_JOBS, durationMs: 0 },
    };
  }
  const migrations = await timed(
    () => readMigrationFacts(db, options.config),
    timeout,
    (error) => ({ configured: Boolean(options.config.migrations), applied: [], pending: [], error }),
  );
  const schema = await timed(
    () => readSchemaFacts(db, options.config, options.settings, (cache.schema ??= {})),
    timeout * 6, // building the expected schema on a scratch database is slower than a query
    (error) => ({ configured: true, changes: [], error }),
  );
  const jobs = await timed(
    async () => {
      const opened = await openJobStore({ db });
      try {
        return await readJobsFacts(opened.store, options.settings);
      } finally {
        await opened.close();
      }
    },
    timeout,
    (error) => ({ ...EMPTY_JOBS, error }),
  );
  return { collectedAt, database, migrations, schema, jobs };
}

async function readDatabase(db: Database | undefined, options: CollectOptions): Promise<DatabaseFacts> {
  const base = { displayUrl: options.displayUrl, dialect: db?.dialect ?? dialectOf(options.displayUrl) };
  if (!db) return { ...base, reachable: false, latencyMs: null, error: options.connectError ?? 'not connected' };
  const start = performance.now();
  try {
    await withTimeout(db.query('select 1 as one'), options.settings.timeoutMs);
    return { ...base, reachable: true, latencyMs: performance.now() - start };
  } catch (error) {
    return { ...base, reachable: false, latencyMs: null, error: errorMessage(error) };
  }
}

/** Runs one section read with a time limit, turning a failure into that section's `error`. */
async function timed<T extends object>(read: () => Promise<T>, timeoutMs: number, onError: (error: string) => Omit<T, 'durationMs'>): Promise<T & SectionTiming> {
  const start = performance.now();
  try {
    const value = await withTimeout(read(), timeoutMs);
    return { ...value, durationMs: performance.now() - start };
  } catch (error) {
    return { ...(onError(errorMessage(error)) as T), durationMs: performance.now() - start };
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, limit]).finally(() => clearTimeout(timer));
}

function dialectOf(url: string): string {
  return /^sqlite:/i.test(url) ? 'sqlite' : 'postgres';
}
