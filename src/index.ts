/**
 * lockstep's public surface. The jobs queue has its own entry point, `lockstep/jobs`.
 *
 * @example
 * import { checkSchema } from 'lockstep';
 * const report = await checkSchema({ url: 'sqlite:app.db', schema: 'schema.sql' });
 * if (!report.ok) console.log(report.changes.map((c) => c.message).join('\n'));
 */

// Errors and configuration
export { LockstepError, isLockstepError } from './core/errors.js';
export { loadConfig, DEFAULT_URL, CONFIG_FILE } from './core/config.js';
export type { LockstepConfig, ConfigOverrides } from './core/config.js';

// Databases and dialects
export { connect, getDialect } from './dialects/index.js';
export { parseConnectionUrl, redactPassword } from './dialects/connection-url.js';
export type { ConnectionUrl } from './dialects/connection-url.js';
export type { Database, Queryable, QueryResult, ConnectOptions, TransactionOptions } from './dialects/database.js';
export type { Dialect, DialectCapability, SqlStatement, ScratchDatabase, RenameHint, MigrationPlan } from './dialects/dialect.js';
export { postgresDialect } from './dialects/postgres/postgres-dialect.js';
export { sqliteDialect } from './dialects/sqlite/sqlite-dialect.js';
export { startEmbeddedPostgres } from './dialects/postgres/postgres-embedded.js';
export { runScript } from './dialects/run-script.js';

// Schema model, diff and check
export type * from './core/model.js';
export { CHANGE_KINDS } from './core/schema-change.js';
export type { ChangeKind, SchemaChange, SchemaDiff } from './core/schema-change.js';
export { diffSchemas } from './core/diff-schemas.js';
export type { DiffOptions } from './core/diff-schemas.js';
export { validateForeignKeys } from './core/validate-foreign-keys.js';
export type { ForeignKeyProblem, TypesCompatible } from './core/validate-foreign-keys.js';
export { checkSchema } from './check/check.js';
export type { CheckOptions, CheckReport, NotComparedReport } from './check/check.js';
export { diffSources } from './check/diff-sources.js';
export { formatSnapshot, parseSnapshot } from './core/snapshot.js';
export { loadSource } from './sources/load-source.js';
export type { LoadedSource, SourceKind } from './sources/load-source.js';
export { replayMigrations } from './sources/migrations-source.js';
export { loadSchemaFile } from './sources/schema-file-source.js';

// Migrations
export {
  migrateUp,
  migrateDown,
  migrationStatus,
  verifyMigrations,
  findMigrationProblems,
  readMigrationsFolder,
  planRepair,
  repairMigrations,
} from './migrations/migrator.js';
export type {
  Migration,
  MigrateOutcome,
  MigrationResult,
  MigrationProblem,
  MigrationProgress,
  MigrationStatus,
  MigrationStatusEntry,
  MigrateUpOptions,
  MigrateDownOptions,
  RepairEntry,
  RepairOptions,
  RepairOutcome,
} from './migrations/migrator.js';
export { generateMigration } from './migrations/generate.js';
export type { GenerateOptions, GenerateResult } from './migrations/generate.js';
export { HISTORY_TABLE } from './migrations/migration-store.js';

// Lint and rehearse
export { lintMigrations } from './lint/lint.js';
export type { LintOptions, LintReport, IgnoredFinding } from './lint/lint.js';
export type { LintFinding, LintRule, Severity } from './lint/lint-rule.js';
export { ruleApplies } from './lint/lint-rule.js';
export { RULES as LINT_RULES } from './lint/rules/index.js';
export { rehearse } from './rehearse/rehearse.js';
export type { RehearsalReport, RehearseOptions } from './rehearse/rehearse.js';

// Operations
export { healthCheck, createHealthChecker } from './health/health-checker.js';
export type { HealthChecker, HealthCheckerOptions } from './health/health-checker.js';
export type { HealthReport, ProbeResult, ProbeStatus } from './health/health-report.js';
export { resolveHealthSettings, DEFAULT_HEALTH_SETTINGS, PROBE_NAMES } from './health/health-settings.js';
export type { HealthSettings, ProbeName, Threshold } from './health/health-settings.js';
export { createHealthHandler } from './http/health-handler.js';
export type { HealthHandlerOptions, RequestHandler } from './http/health-handler.js';
export { startWorkerHealth } from './http/worker-health.js';
export { renderPrometheus, PROMETHEUS_CONTENT_TYPE } from './http/prometheus.js';
export { openDashboard } from './dashboard/open-dashboard.js';
export { startDashboard } from './dashboard/dashboard-server.js';
export type { RunningDashboard } from './dashboard/dashboard-server.js';
export { runDemo } from './demo/run-demo.js';

// Jobs (the queue itself is `lockstep/jobs`)
export { JOBS_SCHEMA_VERSION } from './jobs/jobs-schema-version.js';
export type { JobState, JobRecord, QueueStats, WorkerInfo } from './jobs/job-store.js';

// CLI (for embedding the command line in another tool)
export { main as runCli } from './cli/main.js';
