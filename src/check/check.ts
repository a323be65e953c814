/**
 * `lockstep check` as a library call: the live database against the expected schema
 * (`schema.sql` when configured, or any source given as the schema: a snapshot `.json`, a
 * database URL; else the replay of the migrations folder) and, when a schema file and
 * migrations are both configured, `schema.sql` against the replay ("the schema changed but
 * no migration was written").
 */
import type { LockstepConfig } from '../core/config.js';
import { parseConnectionUrl } from '../dialects/connection-url.js';
import type { Dialect } from '../dialects/dialect.js';
import { getDialect } from '../dialects/index.js';
import { LockstepError } from '../core/errors.js';
import { readMigrationsFolder } from '../migrations/migration-folder.js';
import { displayPath } from '../sources/display-path.js';
import { introspectUrl } from '../sources/live-source.js';
import { loadSource, type SourceKind, sourceKind } from '../sources/load-source.js';
import { replayMigrations } from '../sources/migrations-source.js';
import { loadSchemaFile } from '../sources/schema-file-source.js';
import { diffSchemas } from '../core/diff-schemas.js';
import type { DialectName, Schema } from '../core/model.js';
import type { SchemaChange } from '../core/schema-change.js';
import { fixesFor } from './fixes/index.js';

export interface CheckOptions {
  /** Resolved configuration (url, devUrl, schema, migrations); explicit fields below win. */
  config?: Pick<LockstepConfig, 'url' | 'devUrl' | 'schema' | 'migrations'>;
  url?: string;
  /** The expected schema: a declarative `.sql` file, a snapshot `.json` or a database URL. */
  schema?: string;
  /** Migrations folder. */
  migrations?: string;
  devUrl?: string;
  strictNames?: boolean;
}

/** The JSON report of `lockstep check --json` (and `lockstep diff --json`). */
export interface CheckReport {
  ok: boolean;
  dialect: DialectName;
  expected: { source: string };
  actual: { source: string; note?: string };
  changes: SchemaChange[];
  /** schema.sql (expected) vs the migrations replay (actual), when both are configured. */
  unmigrated?: SchemaChange[];
}

/**
 * Compares the live database with the expected schema.
 *
 * @example
 * const report = await checkSchema({ config: loadConfig() });
 * if (!report.ok) for (const c of report.changes) console.log(c.message, c.fix);
 */
export async function checkSchema(options: CheckOptions): Promise<CheckReport> {
  const url = options.url ?? options.config?.url;
  const schemaFile = options.schema ?? options.config?.schema;
  const migrationsDir = options.migrations ?? options.config?.migrations;
  const devUrl = options.devUrl ?? options.config?.devUrl;
  if (!url) throw new LockstepError('no database to check', { hint: 'Pass --url, set DATABASE_URL or "url" in lockstep.config.json.' });
  if (!schemaFile && !migrationsDir) {
    throw new LockstepError('nothing to check the database against: no schema file and no migrations folder', {
      hint: 'Create schema.sql or migrations/ next to lockstep.config.json, or pass --schema FILE / --migrations DIR.',
    });
  }
  const dialect = getDialect(parseConnectionUrl(url).dialect);
  const scratch = devUrl ? { devUrl } : {};

  // The live database first: an unreachable server or a wrong password is the most common
  // error and should not wait for a scratch server to start. The two expected sources are
  // independent and read at once, but failures are reported in a fixed order (schema
  // file, then migrations) so the same mistake always gives the same message.
  const actual = await introspectUrl(url);
  const schemaKind = schemaFile ? expectedKind(schemaFile) : undefined;
  // A snapshot or a database is the whole expectation: the migrations are not replayed against it.
  const replay = migrationsDir && schemaKind !== 'url' && schemaKind !== 'snapshot';
  const [declared, replayed] = await Promise.allSettled([
    schemaFile ? loadExpected(dialect, schemaFile, schemaKind, devUrl) : Promise.resolve(undefined),
    replay ? replayMigrations(dialect, readMigrationsFolder(migrationsDir), scratch) : Promise.resolve(undefined),
  ]);
  if (declared.status === 'rejected') throw declared.reason;
  if (replayed.status === 'rejected') throw replayed.reason;
  const fromFile = declared.value?.schema;
  const fromMigrations = replayed.value;
  const expected = (fromFile ?? fromMigrations)!;

  const changes = withFixes(dialect, diffSchemas(expected, actual.schema, { strictNames: options.strictNames }).changes, expected, actual.schema);
  const report: CheckReport = {
    ok: changes.length === 0,
    dialect: dialect.name,
    expected: { source: declared.value?.source ?? displayPath(migrationsDir!) },
    actual: { source: actual.source, ...(actual.note ? { note: actual.note } : {}) },
    changes,
  };
  if (fromFile && fromMigrations) {
    report.unmigrated = withFixes(dialect, diffSchemas(fromFile, fromMigrations, { strictNames: options.strictNames }).changes, fromFile, fromMigrations);
    report.ok &&= report.unmigrated.length === 0;
  }
  return report;
}

/** The kind of the expected-schema source; a path of no known kind is read as a SQL file (its own errors). */
function expectedKind(spec: string): SourceKind {
  try {
    return sourceKind(spec);
  } catch {
    return 'schema-file';
  }
}

/** The expected schema from a SQL file, or through `loadSource` from a snapshot, a URL or a folder. */
async function loadExpected(dialect: Dialect, spec: string, kind: SourceKind | undefined, devUrl: string | undefined): Promise<{ schema: Schema; source: string }> {
  if (kind === 'schema-file') return { schema: await loadSchemaFile(dialect, spec, devUrl ? { devUrl } : {}), source: displayPath(spec) };
  const loaded = await loadSource(spec, { dialect: dialect.name, ...(devUrl ? { devUrl } : {}) });
  if (loaded.dialect !== dialect.name) {
    throw new LockstepError(`cannot check a ${dialect.name} database against ${loaded.source}, a ${loaded.dialect} schema`, {
      hint: 'Give --schema a source of the same dialect as the database (--url).',
    });
  }
  return { schema: loaded.schema, source: loaded.source };
}

/**
 * Adds the dialect's fix to each change that has one. The dialect sees every change at
 * once, so it can give one SQLite table rebuild for all changes of a table.
 *
 * @example
 * const changes = withFixes(dialect, diffSchemas(expected, actual).changes, expected, actual);
 */
export function withFixes(dialect: Dialect, changes: SchemaChange[], expected: Schema, actual: Schema): SchemaChange[] {
  const fixes = fixesFor(dialect.name, changes, expected, actual);
  return changes.map((change, i) => {
    const fix = fixes[i];
    return fix ? { ...change, fix } : change;
  });
}
