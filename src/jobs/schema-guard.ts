import { existsSync } from 'node:fs';
import { LockstepError } from '../core/errors.js';
// Types only at the top: the comparison code is imported when a guard runs, so
// `import 'lockstep/jobs'` in a service that only enqueues loads none of it.
import type { CheckReport } from '../check/check.js';
import type { AllowRule } from '../check/compatibility.js';
import type { RuntimeSchemaCheck } from '../check/runtime-check.js';
import { parseConnectionUrl } from '../dialects/connection-url.js';
import { connect, getDialect } from '../dialects/index.js';
import { displayPath } from '../sources/display-path.js';
import type { WorkerLogger } from './job-logger.js';
import type { JobStore } from './job-store.js';
import { JOBS_SCHEMA_VERSION } from './jobs-schema-version.js';

/** Exit code of a worker that refuses to start (or stops) because a schema is not what it expects. */
export const SCHEMA_GUARD_EXIT_CODE = 3;

/** Thrown when a worker refuses to run on a schema it does not match. */
export class SchemaGuardError extends LockstepError {
  constructor(
    message: string,
    hint: string,
    /** The drift report, when the application schema drifted. */
    readonly report?: CheckReport,
  ) {
    super(message, { hint, exitCode: SCHEMA_GUARD_EXIT_CODE });
    this.name = 'SchemaGuardError';
  }
}

/** Throws SchemaGuardError unless the jobs tables are at exactly JOBS_SCHEMA_VERSION. */
export async function assertJobsSchema(store: JobStore, displayUrl: string): Promise<void> {
  const installed = await store.installedVersion();
  if (installed === JOBS_SCHEMA_VERSION) return;
  if (installed === 0) {
    throw new SchemaGuardError(`the jobs tables are not installed in ${displayUrl}`, 'Run `lockstep jobs install` (or call queue.install()) first.');
  }
  if (installed < JOBS_SCHEMA_VERSION) {
    throw new SchemaGuardError(
      `the jobs tables in ${displayUrl} are at version ${installed}; this worker expects version ${JOBS_SCHEMA_VERSION}`,
      'Run `lockstep jobs install` to upgrade them, then start the worker again.',
    );
  }
  throw new SchemaGuardError(
    `the jobs tables in ${displayUrl} are at version ${installed}, newer than this worker's ${JOBS_SCHEMA_VERSION}`,
    'Another deploy upgraded them: run this worker from the same lockstep version.',
  );
}

export interface AppSchemaGuard {
  url: string;
  /**
   * The build's expected-schema file (`lockstep build`, default `lockstep.expected.json`).
   * When it exists the guard reads only it and the live catalog: no parser, no compiler,
   * no scratch database.
   */
  expected?: string;
  schema?: string;
  migrations?: string;
  devUrl?: string;
  /** Differences accepted as compatible (`guard.allow` in lockstep.config.json). */
  allow?: readonly AllowRule[];
}

/** The guard's verdict: ready, or not and why. */
export interface AppSchemaVerdict {
  ready: boolean;
  /** Multi-line: what is blocking, then the notes. */
  message: string;
  /** Set when the check could not run at all (no file, and no cheap way to build one). */
  skipped?: string;
  report?: CheckReport;
  runtime?: RuntimeSchemaCheck;
}

/**
 * Whether this build can run on the application database: compatibility, not equality
 * (docs/deploys.md). Reads the expected-schema file when there is one; without it, builds
 * the expected schema from schema.sql or migrations only where that is cheap (SQLite, or
 * a `devUrl` server) and says so; on PostgreSQL without either it skips the check rather
 * than start a database server inside a worker.
 */
export async function evaluateAppSchema(guard: AppSchemaGuard, log?: WorkerLogger): Promise<AppSchemaVerdict> {
  if (guard.expected && existsSync(guard.expected)) {
    const { checkRuntimeSchema, describeRuntimeCheck, readExpectedSchemaFile } = await import('../check/runtime-check.js');
    const expected = readExpectedSchemaFile(guard.expected);
    const db = await connect(guard.url, { maxConnections: 1, applicationName: 'lockstep-schema-guard' });
    try {
      const runtime = await checkRuntimeSchema(db, expected, { allow: guard.allow, source: displayPath(guard.expected) });
      return { ready: runtime.ready, message: describeRuntimeCheck(runtime), runtime };
    } finally {
      await db.close();
    }
  }
  if (!guard.schema && !guard.migrations) return { ready: true, message: '' };
  if (getDialect(parseConnectionUrl(guard.url).dialect).scratchStartsServer && !guard.devUrl) {
    const skipped = `no ${guard.expected ? displayPath(guard.expected) : 'expected-schema file'}: the application schema is not checked (a worker never starts a PostgreSQL server of its own). Run lockstep build and ship the file, or set devUrl.`;
    log?.warn(skipped);
    return { ready: true, message: '', skipped };
  }
  log?.info(`no expected-schema file: building the expected schema in a scratch database (lockstep build makes this unnecessary)`);
  const [{ checkSchema }, { classifyChanges }, { renderCheckText }, { createStyle }] = await Promise.all([
    import('../check/check.js'),
    import('../check/compatibility.js'),
    import('../report/render-check-report.js'),
    import('../report/style.js'),
  ]);
  const report = await checkSchema({ url: guard.url, schema: guard.schema, migrations: guard.migrations, devUrl: guard.devUrl });
  const classified = classifyChanges(report.changes, guard.allow);
  const blocking = classified.filter((c) => c.compatibility === 'blocking');
  // The same rendering as `lockstep check` (long rebuild fixes shown compactly), so the
  // operator reads one report format wherever drift is found.
  const message = blocking.length > 0 ? renderCheckText({ ...report, changes: blocking.map((c) => c.change) }, createStyle(false)).trimEnd() : '';
  return { ready: blocking.length === 0, message, report };
}

/**
 * Throws SchemaGuardError with the drift when this build cannot run on the application
 * database (see evaluateAppSchema).
 */
export async function assertAppSchema(guard: AppSchemaGuard, log?: WorkerLogger): Promise<AppSchemaVerdict> {
  const verdict = await evaluateAppSchema(guard, log);
  if (verdict.ready) return verdict;
  throw new SchemaGuardError(
    `the database cannot run this build: ${verdict.runtime?.blocking.length ?? verdict.report?.changes.length ?? 0} blocking difference(s) from ${verdict.runtime?.source ?? verdict.report?.expected.source}\n${verdict.message}`,
    'Apply the pending migrations (lockstep migrate up), or start the worker with --on-drift wait to wait for them; `lockstep check` shows the full report.',
    verdict.report,
  );
}
