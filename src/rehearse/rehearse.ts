import { relative } from 'node:path';
import type { Database, Queryable } from '../dialects/database.js';
import type { Dialect } from '../dialects/dialect.js';
import { getDialect } from '../dialects/index.js';
import { errorMessage } from '../core/errors.js';
import { extractStatementFacts, type StatementFact } from '../lint/statement-facts.js';
import { narrowingReason } from '../lint/type-compat.js';
import type { Migration } from '../migrations/migration-folder.js';
import { diffSchemas } from '../core/diff-schemas.js';
import type { DialectName, Schema } from '../core/model.js';
import { describeScriptError } from '../dialects/run-script.js';
import { type DataProbe, explainFacts, explainTypeChange, guardedProbe } from './explain-failure.js';
import type { RehearsalLock, RehearsalTimeouts } from './rehearsal-target.js';
import { rehearsalTargetFor } from './targets/index.js';

export const DEFAULT_TIMEOUTS: RehearsalTimeouts = { lockTimeoutMs: 2000, statementTimeoutMs: 30_000 };

export interface RehearsalStep {
  /** `<version>_<name>`. */
  migration: string;
  file: string;
  /** `not-run`: skipped because an earlier migration failed. */
  status: 'ok' | 'failed' | 'not-rehearsable' | 'not-run';
  durationMs: number;
  /** Locks the migration took (PostgreSQL), newly acquired ones only. */
  locks?: RehearsalLock[];
  /** The database's error, pinned to `file:line`. */
  error?: { location: string; message: string };
  /** The failure in data terms, e.g. `jobs.job_serial: 1,204 existing rows would be NULL`. */
  problems?: string[];
  /** Why it was not rehearsed. */
  reason?: string;
}

export interface RehearsalReport {
  ok: boolean;
  dialect: DialectName;
  database: string;
  /** Where the migrations ran. */
  sandbox: string;
  steps: RehearsalStep[];
}

export interface RehearseOptions {
  /** The live database (`Database.displayUrl` is shown, never the password). */
  db: Database;
  /** Its URL (SQLite: the file to copy). */
  url: string;
  /** The migrations to rehearse, in order (usually the pending ones). */
  migrations: Migration[];
  timeouts?: Partial<RehearsalTimeouts>;
  /** Paths in the report are relative to this folder. Default: process.cwd(). */
  cwd?: string;
}

/**
 * Applies `migrations` to the live database and undoes them: on PostgreSQL in one
 * transaction that is rolled back (with lock and statement timeouts), on SQLite on a copy.
 * Each migration is reported ok or failed with its time; a failure is explained in data
 * terms by querying the data it failed on. Stops at the first failure (later ones are
 * `not-run`, as `migrate up` would). The live database is left exactly as it was.
 *
 * @example
 * const report = await rehearse({ db, url, migrations: pending });
 * for (const s of report.steps) console.log(s.migration, s.status, s.problems);
 */
export async function rehearse(options: RehearseOptions): Promise<RehearsalReport> {
  const dialect = getDialect(options.db.dialect);
  await dialect.loadParser();
  const timeouts = { ...DEFAULT_TIMEOUTS, ...options.timeouts };
  const cwd = options.cwd ?? process.cwd();
  return rehearsalTargetFor(dialect.name).rehearse(options.db, options.url, timeouts, async (sandbox) => {
    const steps: RehearsalStep[] = [];
    let failed = false;
    for (const migration of options.migrations) {
      const base = { migration: `${migration.version}_${migration.name}`, file: displayPath(migration.upPath, cwd) };
      if (failed) {
        steps.push({ ...base, status: 'not-run', durationMs: 0 });
        continue;
      }
      const reason = sandbox.notRehearsable(migration);
      if (reason) {
        steps.push({ ...base, status: 'not-rehearsable', durationMs: 0, reason });
        continue;
      }
      const before = await dialect.introspect(sandbox.conn);
      const started = performance.now();
      let failure: { line: number; error: unknown; location: string; message: string } | undefined;
      let locks: RehearsalLock[] | undefined;
      try {
        locks = await sandbox.run(migration, (conn) => applyStatements(conn, dialect, migration, base.file, (f) => (failure = f)));
      } catch (error) {
        failure ??= { line: 1, error, location: `${base.file}:1`, message: errorMessage(error) };
      }
      const durationMs = Math.round(performance.now() - started);
      const probe: DataProbe = { conn: sandbox.conn, dialect, schema: before };
      if (failure) {
        failed = true;
        const problems = [...(await explainStatementFailure(probe, migration, failure.line, failure.error)), ...rehearsalTargetFor(dialect.name).timeoutProblems(failure.error, timeouts)];
        steps.push({ ...base, status: 'failed', durationMs, ...(locks ? { locks } : {}), error: { location: failure.location, message: failure.message }, ...(problems.length > 0 ? { problems } : {}) });
        continue;
      }
      // The engine accepted it, but may not enforce what the schema now says (SQLite keeps
      // a 30-character value in a varchar(20) column): check the data against the new types.
      const after = await dialect.introspect(sandbox.conn);
      const problems = await unenforcedProblems({ ...probe, schema: after }, before, after);
      if (problems.length > 0) {
        failed = true;
        steps.push({ ...base, status: 'failed', durationMs, ...(locks ? { locks } : {}), problems: problems.map((p) => `${p} (${rehearsalTargetFor(dialect.name).unenforcedTypesNote})`) });
        continue;
      }
      steps.push({ ...base, status: 'ok', durationMs, ...(locks ? { locks } : {}) });
    }
    return { ok: !steps.some((s) => s.status === 'failed'), dialect: dialect.name, database: options.db.displayUrl, sandbox: sandbox.description, steps };
  });
}

function displayPath(path: string, cwd: string): string {
  const rel = relative(cwd, path);
  return rel.startsWith('..') ? path : rel;
}

/** Runs a migration statement by statement so a failure is pinned to its line. */
async function applyStatements(conn: Queryable, dialect: Dialect, migration: Migration, file: string, onFailure: (f: { line: number; error: unknown; location: string; message: string }) => void): Promise<void> {
  for (const statement of dialect.splitStatements(migration.up)) {
    try {
      await conn.exec(statement.sql);
    } catch (error) {
      const described = describeScriptError(error, statement, migration.up, file);
      onFailure({ line: statement.line, error, location: described.location, message: described.message });
      throw error;
    }
  }
}

/** Data explanations for the statement at `line`, read from the state before the migration. */
async function explainStatementFailure(probe: DataProbe, migration: Migration, line: number, error: unknown): Promise<string[]> {
  let facts: StatementFact[] = [];
  let all: StatementFact[] = [];
  try {
    const parsed = extractStatementFacts(probe.dialect, migration.up);
    facts = parsed.statements.filter((s) => s.line <= line).at(-1)?.facts ?? [];
    all = parsed.statements.flatMap((s) => s.facts);
  } catch {
    // No facts: the database's message is all there is.
  }
  const problems = await explainFacts(probe, facts);
  if (problems.length > 0) return problems;
  return explainFacts(probe, rehearsalTargetFor(probe.dialect.name).factsFromError(errorMessage(error), all, probe.schema));
}

/** Column type changes the database accepted although existing values do not fit. */
async function unenforcedProblems(probe: DataProbe, before: Schema, after: Schema): Promise<string[]> {
  const out: string[] = [];
  for (const change of diffSchemas(after, before).changes) {
    if (change.kind !== 'column.type' || !change.column) continue;
    const from = before.tables.find((t) => t.name === change.table)?.columns.find((c) => c.name === change.column);
    const to = after.tables.find((t) => t.name === change.table)?.columns.find((c) => c.name === change.column);
    if (!from || !to || !narrowingReason(from.typeParts, to.typeParts)) continue;
    const problem = await guardedProbe(probe.conn, () => explainTypeChange(probe, change.table, change.column!, to.typeParts));
    if (problem) out.push(problem);
  }
  return out;
}
