import { createStyle } from '../report/style.js';
import { renderCheckText } from '../report/render-check-report.js';
import { LockstepError } from '../core/errors.js';
import { checkSchema, type CheckReport } from '../check/check.js';
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
  schema?: string;
  migrations?: string;
  devUrl?: string;
}

/**
 * Throws SchemaGuardError with the drift report when the application database does not
 * match its declared schema or migrations (the `check` engine).
 */
export async function assertAppSchema(guard: AppSchemaGuard): Promise<void> {
  if (!guard.schema && !guard.migrations) return;
  const report = await checkSchema({ url: guard.url, schema: guard.schema, migrations: guard.migrations, devUrl: guard.devUrl });
  if (report.ok) return;
  // The same rendering as `lockstep check` (long rebuild fixes shown compactly), so the
  // operator reads one report format wherever drift is found.
  const differences = report.changes.length + (report.unmigrated?.length ?? 0);
  throw new SchemaGuardError(
    `the database does not match ${report.expected.source}: ${differences} difference(s)\n${renderCheckText(report, createStyle(false)).trimEnd()}`,
    'Apply the pending migrations (lockstep migrate up) or fix the drift; `lockstep check` shows the same report.',
    report,
  );
}
