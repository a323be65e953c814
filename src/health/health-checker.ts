import { loadConfig, type LockstepConfig } from '../core/config.js';
import { redactPassword } from '../dialects/connection-url.js';
import type { Database } from '../dialects/database.js';
import { connect } from '../dialects/index.js';
import { errorMessage } from '../core/errors.js';
import { collectFacts, type FactsCache } from './collect-facts.js';
import { evaluateHealth, type HealthReport } from './health-report.js';
import { type HealthSettings, resolveHealthSettings } from './health-settings.js';
import type { OpsFacts } from './ops-facts.js';

export interface HealthCheckerOptions {
  /** Project configuration; default: `loadConfig({ url, cwd })`. */
  config?: LockstepConfig;
  /** Database URL (overrides the config's). */
  url?: string;
  cwd?: string;
  /** Use this open database instead of opening one; the checker never closes it. */
  db?: Database;
  /** Threshold overrides on top of the config's `health` section. */
  settings?: Partial<HealthSettings>;
  /** Reuse a snapshot younger than this (ms), so concurrent probes and scrapes share one read. Default 1000. */
  maxAgeMs?: number;
}

export interface HealthSnapshot {
  facts: OpsFacts;
  report: HealthReport;
}

/**
 * A long-lived health checker, as `/readyz`, `/metrics` and the dashboard use it: one
 * small connection pool, reopened after the database comes back, concurrent callers
 * sharing one read, and the expected schema built once.
 */
export interface HealthChecker {
  readonly settings: HealthSettings;
  readonly config: LockstepConfig;
  snapshot(options?: { fresh?: boolean }): Promise<HealthSnapshot>;
  /** The open database, connecting if needed (throws when unreachable). */
  database(): Promise<Database>;
  close(): Promise<void>;
}

/**
 * @example
 * const checker = createHealthChecker({ url: 'sqlite:app.db' });
 * const { report } = await checker.snapshot();
 * console.log(report.status, report.probes.map((p) => `${p.name}: ${p.message}`));
 * await checker.close();
 */
export function createHealthChecker(options: HealthCheckerOptions = {}): HealthChecker {
  const config = options.config ?? loadConfig({ cwd: options.cwd, url: options.url });
  const url = options.url ?? config.url;
  const settings = resolveHealthSettings(config.raw.health, options.settings);
  const maxAgeMs = options.maxAgeMs ?? 1000;
  const cache: FactsCache = {};
  let db: Database | undefined = options.db;
  let opening: Promise<Database> | undefined;
  let last: { at: number; snapshot: HealthSnapshot } | undefined;
  let inFlight: Promise<HealthSnapshot> | undefined;
  let closed = false;

  const database = async (): Promise<Database> => {
    if (db) return db;
    // A probe never creates a database: a missing SQLite file is reported, not made.
    opening ??= connect(url, { maxConnections: 2, connectTimeoutMs: settings.timeoutMs, applicationName: 'lockstep health', mustExist: true }).finally(() => {
      opening = undefined;
    });
    db = await opening;
    return db;
  };

  const read = async (): Promise<HealthSnapshot> => {
    let open: Database | undefined;
    let connectError: string | undefined;
    try {
      open = await database();
    } catch (error) {
      connectError = errorMessage(error);
    }
    const facts = await collectFacts(open, { config, settings, cache, displayUrl: redactPassword(url), connectError });
    // A pool whose server went away can hold dead connections: start afresh next time.
    if (!facts.database.reachable && open && !options.db) {
      db = undefined;
      await open.close().catch(() => {});
    }
    const snapshot = { facts, report: evaluateHealth(facts, settings) };
    last = { at: Date.now(), snapshot };
    return snapshot;
  };

  return {
    settings,
    config,
    database,
    snapshot({ fresh } = {}) {
      if (closed) return Promise.reject(new Error('health checker is closed'));
      if (!fresh && last && Date.now() - last.at < maxAgeMs) return Promise.resolve(last.snapshot);
      inFlight ??= read().finally(() => {
        inFlight = undefined;
      });
      return inFlight;
    },
    async close() {
      closed = true;
      await inFlight?.catch(() => {});
      if (db && !options.db) await db.close();
      db = undefined;
    },
  };
}

/**
 * Runs every health probe once and returns the report.
 *
 * @example
 * const report = await healthCheck({ url: process.env.DATABASE_URL });
 * if (!report.ok) console.error(report.probes.filter((p) => p.status !== 'ok'));
 */
export async function healthCheck(options: HealthCheckerOptions = {}): Promise<HealthReport> {
  const checker = createHealthChecker(options);
  try {
    return (await checker.snapshot({ fresh: true })).report;
  } finally {
    await checker.close();
  }
}
