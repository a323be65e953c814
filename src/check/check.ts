/**
 * `lockstep check` as a library call: the live database against the expected schema
 * (`schema.sql` or the ORM models when configured, or any source given as the schema: a
 * snapshot `.json`, a database URL; else the replay of the migrations folder) and, when
 * both are configured, the expected schema against the replay ("the schema changed but no
 * migration was written"). With models and migrations it is a three-way check: the live
 * database is also compared with the migrations (behind or ahead of them). Model
 * integrity problems are reported before any comparison.
 */
import { existsSync } from 'node:fs';
import type { LockstepConfig } from '../core/config.js';
import { parseConnectionUrl } from '../dialects/connection-url.js';
import type { Dialect } from '../dialects/dialect.js';
import { getDialect } from '../dialects/index.js';
import { LockstepError } from '../core/errors.js';
import { compareVersions, type Migration, readMigrationsFolder } from '../migrations/migration-folder.js';
import { migrationStoreFor } from '../migrations/stores/index.js';
import { displayPath } from '../sources/display-path.js';
import { introspectUrl } from '../sources/live-source.js';
import { loadSource, type SchemaKind, type SourceKind, sourceKind } from '../sources/load-source.js';
import { replayMigrations } from '../sources/migrations-source.js';
import { loadModels } from '../sources/models/index.js';
import type { LoadedModels, ModelIssue, ModelLocation } from '../sources/models/model-source.js';
import { loadSchemaFile } from '../sources/schema-file-source.js';
import { type DiffOptions, diffSchemas } from '../core/diff-schemas.js';
import type { DialectName, NotComparedObject, Schema } from '../core/model.js';
import type { SchemaChange } from '../core/schema-change.js';
import { fixesFor, fixOrderFor } from './fixes/index.js';

export interface CheckOptions {
  /** Resolved configuration (url, devUrl, schema, migrations); explicit fields below win. */
  config?: Pick<LockstepConfig, 'url' | 'devUrl' | 'schema' | 'migrations'> & Partial<Pick<LockstepConfig, 'root' | 'schemaKind'>>;
  url?: string;
  /** The expected schema: a `.sql` file, ORM models (schema.prisma, a Drizzle schema, a TypeORM DataSource), a snapshot `.json` or a database URL. */
  schema?: string;
  /** How to read `schema` (default: detected from the file). */
  schemaKind?: SchemaKind;
  /** Migrations folder. */
  migrations?: string;
  devUrl?: string;
  strictNames?: boolean;
  /** The opt-in comparisons (comments, grants, extension versions). */
  compare?: Pick<DiffOptions, 'comments' | 'grants' | 'extensionVersions'>;
}

/** A change, pinned to the model that declares its table or column when the expected side is ORM models. */
export type CheckedChange = SchemaChange & { location?: ModelLocation };

/** The JSON report of `lockstep check --json` (and `lockstep diff --json`). */
export interface CheckReport {
  ok: boolean;
  dialect: DialectName;
  /** `kind: 'models'` (with the ORM) when the expected schema is the code's own models. */
  expected: { source: string; kind?: 'schema-file' | 'migrations' | 'models'; orm?: string };
  actual: { source: string; note?: string };
  changes: CheckedChange[];
  /** schema.sql or the models (expected) vs the migrations replay (actual), when both are configured. */
  unmigrated?: CheckedChange[];
  /**
   * Three-way check (models and migrations configured): the live database against the
   * migrations folder. `pending`: versions the database has not applied (behind);
   * `unknown`: versions it applied that the folder does not have (ahead); `changes`: the
   * replay (expected) vs the live schema (actual).
   */
  liveVsMigrations?: { pending: string[]; unknown: string[]; changes: SchemaChange[] };
  /** What is wrong inside the models, found before any comparison (nothing was compared when present). */
  modelIssues?: ModelIssue[];
  /** What the models reader wants the user to know (defaults the database cannot see, …). */
  notes?: string[];
  /** Objects lockstep cannot model, on either side: never compared, never recreated. */
  notCompared?: NotComparedReport[];
}

export interface NotComparedReport extends NotComparedObject {
  side: 'expected' | 'actual';
}

/** The objects of both sides that `Schema.notCompared` lists, for the report. */
export function notComparedOf(expected: Schema, actual: Schema): NotComparedReport[] {
  return [
    ...(expected.notCompared ?? []).map((o) => ({ ...o, side: 'expected' as const })),
    ...(actual.notCompared ?? []).map((o) => ({ ...o, side: 'actual' as const })),
  ];
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
  const forcedKind = options.schemaKind ?? options.config?.schemaKind;
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
  if (schemaFile && existsSync(schemaFile) && sourceKind(schemaFile, process.cwd(), forcedKind) === 'models') {
    return checkAgainstModels({ url, schemaFile, migrationsDir, scratch, dialect, forcedKind, root: options.config?.root, strictNames: options.strictNames, compare: options.compare });
  }

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

  const changes = withFixes(dialect, diffSchemas(expected, actual.schema, { ...options.compare, strictNames: options.strictNames }).changes, expected, actual.schema);
  const report: CheckReport = {
    ok: changes.length === 0,
    dialect: dialect.name,
    expected: { source: declared.value?.source ?? displayPath(migrationsDir!) },
    actual: { source: actual.source, ...(actual.note ? { note: actual.note } : {}) },
    changes,
  };
  const notCompared = notComparedOf(expected, actual.schema);
  if (notCompared.length > 0) report.notCompared = notCompared;
  if (fromFile && fromMigrations) {
    report.unmigrated = withFixes(dialect, diffSchemas(fromFile, fromMigrations, { ...options.compare, strictNames: options.strictNames }).changes, fromFile, fromMigrations);
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
 * Puts the changes in the order their fixes run (`fixOrderFor`: dependencies first) and
 * adds the dialect's fix to each change that has one. The dialect sees every change at
 * once, so it can give one SQLite table rebuild for all changes of a table. A fix that
 * deletes data starts with `-- WARNING: data loss` and its change is marked `destructive`.
 *
 * @example
 * const changes = withFixes(dialect, diffSchemas(expected, actual).changes, expected, actual);
 * for (const change of changes) if (change.fix) await db.exec(change.fix); // top to bottom
 */
export function withFixes(dialect: Dialect, unordered: SchemaChange[], expected: Schema, actual: Schema): SchemaChange[] {
  const changes = fixOrderFor(dialect.name, unordered, expected, actual);
  const fixes = fixesFor(dialect.name, changes, expected, actual);
  return changes.map((change, i) => {
    const fix = fixes[i];
    if (!fix) return change;
    return /^-- WARNING: data loss/m.test(fix) ? { ...change, fix, destructive: true } : { ...change, fix };
  });
}

interface ModelCheck {
  url: string;
  schemaFile: string;
  migrationsDir: string | undefined;
  scratch: { devUrl?: string };
  dialect: Dialect;
  forcedKind: SchemaKind | undefined;
  root: string | undefined;
  strictNames: boolean | undefined;
  compare: CheckOptions['compare'];
}

/**
 * The models as the expected schema. Integrity problems end the check before any
 * comparison (nothing is compared against a broken model set); otherwise the live
 * database vs the models, and with a migrations folder the models vs the replay and the
 * live database vs the migrations.
 */
async function checkAgainstModels(c: ModelCheck): Promise<CheckReport> {
  const models = await loadModels(c.schemaFile, {
    cwd: c.root ?? process.cwd(),
    dialect: c.dialect.name,
    ...(c.forcedKind && c.forcedKind !== 'sql' ? { kind: c.forcedKind } : {}),
  });
  const expected = { source: displayPath(c.schemaFile), kind: 'models' as const, orm: models.kind };
  const notes = models.notes.length > 0 ? { notes: models.notes } : {};
  if (models.issues.length > 0) {
    return { ok: false, dialect: c.dialect.name, expected, actual: { source: displayUrl(c.url) }, changes: [], modelIssues: models.issues, ...notes };
  }
  if (models.dialect !== c.dialect.name) {
    throw new LockstepError(`${expected.source} declares a ${models.dialect} database, but ${displayUrl(c.url)} is ${c.dialect.name}`, {
      hint: 'Check the models against a database of the provider they are written for (--url).',
    });
  }
  const actual = await introspectUrl(c.url);
  const migrations = c.migrationsDir ? readMigrationsFolder(c.migrationsDir) : undefined;
  const replayed = migrations ? await replayMigrations(c.dialect, migrations, c.scratch) : undefined;
  const strict = { ...c.compare, strictNames: c.strictNames };
  const changes = locate(withFixes(c.dialect, diffSchemas(models.schema, actual.schema, strict).changes, models.schema, actual.schema), models);
  const report: CheckReport = {
    ok: changes.length === 0,
    dialect: c.dialect.name,
    expected,
    actual: { source: actual.source, ...(actual.note ? { note: actual.note } : {}) },
    changes,
    ...notes,
  };
  if (migrations && replayed) {
    report.unmigrated = locate(withFixes(c.dialect, diffSchemas(models.schema, replayed, strict).changes, models.schema, replayed), models);
    const applied = actual.note ? [] : await appliedVersions(c.url, c.dialect);
    const inFolder = new Set(migrations.map((m) => m.version));
    const done = new Set(applied);
    report.liveVsMigrations = {
      pending: sortedVersions(migrations.filter((m) => !done.has(m.version))),
      unknown: applied.filter((v) => !inFolder.has(v)),
      changes: withFixes(c.dialect, diffSchemas(replayed, actual.schema, strict).changes, replayed, actual.schema),
    };
    const l = report.liveVsMigrations;
    report.ok &&= report.unmigrated.length === 0 && l.pending.length === 0 && l.unknown.length === 0 && l.changes.length === 0;
  }
  return report;
}

/** Pins each change to the model (table) or field (column) that declares it. */
function locate(changes: SchemaChange[], models: LoadedModels): CheckedChange[] {
  return changes.map((change) => {
    const schema = change.schema ?? getDialect(models.dialect).defaultSchema;
    const at = (change.column ? models.locations.get(`${schema}.${change.table}.${change.column}`) : undefined) ?? models.locations.get(`${schema}.${change.table}`);
    return at ? { ...change, location: at } : change;
  });
}

/** Versions recorded in the database's migration history (none when it has no history table). */
async function appliedVersions(url: string, dialect: Dialect): Promise<string[]> {
  const db = await dialect.connect(parseConnectionUrl(url), { maxConnections: 1, applicationName: 'lockstep' });
  try {
    return (await migrationStoreFor(dialect.name).readHistory(db)).map((row) => row.version);
  } finally {
    await db.close();
  }
}

function sortedVersions(migrations: Migration[]): string[] {
  return migrations.map((m) => m.version).sort(compareVersions);
}

function displayUrl(url: string): string {
  const parsed = parseConnectionUrl(url);
  return parsed.filename && parsed.filename !== ':memory:' ? `sqlite:${displayPath(parsed.filename)}` : parsed.display;
}
