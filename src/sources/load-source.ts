/**
 * One entry point for every kind of schema source `diff` and `snapshot` accept: a
 * database URL, a declarative `.sql` file, a migrations folder, a snapshot `.json`, or the
 * code's own ORM models (a Prisma schema, a Drizzle schema module, a TypeORM DataSource).
 */
import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseConnectionUrl } from '../dialects/connection-url.js';
import { getDialect } from '../dialects/index.js';
import { LockstepError } from '../core/errors.js';
import { readMigrationsFolder } from '../migrations/migration-folder.js';
import type { DialectName, Schema } from '../core/model.js';
import { displayPath } from './display-path.js';
import { introspectUrl } from './live-source.js';
import { detectModelKind, loadModels } from './models/index.js';
import type { LoadedModels, ModelIssue, ModelKind } from './models/model-source.js';
import { replayMigrations } from './migrations-source.js';
import { loadSchemaFile } from './schema-file-source.js';
import { readSnapshotFile } from './snapshot-source.js';

export type SourceKind = 'url' | 'schema-file' | 'migrations' | 'snapshot' | 'models';

/** What `--schema-kind` / `schemaKind` can force a schema path to be read as. */
export type SchemaKind = ModelKind | 'sql';
export const SCHEMA_KINDS: readonly SchemaKind[] = ['prisma', 'drizzle', 'typeorm', 'sql'];

export interface LoadedSource {
  schema: Schema;
  /** For display: a URL with its password redacted, or a path. */
  source: string;
  kind: SourceKind;
  dialect: DialectName;
  /** Something the reader should know (e.g. the SQLite file does not exist yet). */
  note?: string;
  /** The models read, when the source is ORM models (kind `models`). */
  models?: LoadedModels;
}

export interface LoadSourceOptions {
  /** Dialect for sources that cannot tell their own (a `.sql` file, a folder). */
  dialect?: DialectName;
  devUrl?: string;
  /** Base for relative paths (default: the working directory). */
  cwd?: string;
  /** Force how a schema file is read (`--schema-kind`); detected from the file otherwise. */
  schemaKind?: SchemaKind;
}

const URL_PATTERN = /^(postgres(ql)?:\/\/|sqlite:)/i;

const KINDS_HINT = 'A source is a database URL (postgres://…, sqlite:…), a .sql schema file, a migrations folder, a snapshot .json, or ORM models (schema.prisma, a Drizzle schema module, a TypeORM DataSource).';

/**
 * What kind of source `spec` is, from its name and (for models) the file's imports, without
 * reading the schema. `forced` (`--schema-kind`) decides for a file or a models folder.
 */
export function sourceKind(spec: string, cwd = process.cwd(), forced?: SchemaKind): SourceKind {
  if (URL_PATTERN.test(spec.trim())) return 'url';
  const path = resolve(cwd, spec);
  const isDirectory = existsSync(path) && statSync(path).isDirectory();
  if (forced && forced !== 'sql' && existsSync(path) && (!isDirectory || detectModelKind(path))) return 'models';
  if (forced === 'sql' && !isDirectory && !/\.json$/i.test(spec)) return 'schema-file';
  if (isDirectory) return detectModelKind(path) ? 'models' : 'migrations';
  if (/\.json$/i.test(spec)) return 'snapshot';
  if (/\.sql$/i.test(spec)) return 'schema-file';
  if (existsSync(path) && detectModelKind(path)) return 'models';
  if (!existsSync(path)) throw new LockstepError(`schema source not found: ${spec}`, { hint: KINDS_HINT });
  throw new LockstepError(`cannot tell what kind of schema source ${spec} is`, { hint: `${KINDS_HINT} Pass --schema-kind prisma|drizzle|typeorm|sql to say which.` });
}

/**
 * The dialect a source carries itself (a URL's scheme, a snapshot's `dialect`), or
 * undefined for a `.sql` file or a migrations folder.
 */
export function sourceDialect(spec: string, cwd = process.cwd(), forced?: SchemaKind): DialectName | undefined {
  const kind = sourceKind(spec, cwd, forced);
  if (kind === 'url') return parseConnectionUrl(spec).dialect;
  if (kind === 'snapshot') return readSnapshotFile(resolve(cwd, spec)).dialect;
  return undefined;
}

/**
 * Reads a schema from any source.
 *
 * @example
 * const { schema, source } = await loadSource('migrations', { dialect: 'sqlite' });
 * const live = await loadSource('postgres://app:secret@db/app'); // live.source === 'postgres://app:***@db/app'
 */
export async function loadSource(spec: string, options: LoadSourceOptions = {}): Promise<LoadedSource> {
  const cwd = options.cwd ?? process.cwd();
  const kind = sourceKind(spec, cwd, options.schemaKind);
  if (kind === 'url') {
    const live = await introspectUrl(spec);
    return { schema: live.schema, source: live.source, kind, dialect: live.schema.dialect, ...(live.note ? { note: live.note } : {}) };
  }
  const path = resolve(cwd, spec);
  if (kind === 'snapshot') {
    const schema = readSnapshotFile(path);
    if (options.dialect && options.dialect !== schema.dialect) {
      throw new LockstepError(`${displayPath(path)} is a ${schema.dialect} snapshot, but the other side is ${options.dialect}`, {
        hint: 'Compare schemas of the same dialect.',
      });
    }
    return { schema, source: displayPath(path), kind, dialect: schema.dialect };
  }
  if (kind === 'models') {
    const models = await loadModelSource(path, { cwd, ...(options.dialect ? { dialect: options.dialect } : {}), ...(options.schemaKind && options.schemaKind !== 'sql' ? { kind: options.schemaKind } : {}) });
    return { schema: models.schema, source: displayPath(path), kind, dialect: models.dialect, models };
  }
  if (!options.dialect) {
    throw new LockstepError(`cannot tell which database ${displayPath(path)} is written for`, {
      hint: 'Compare it with a database URL or a snapshot, or pass --url so lockstep knows the dialect.',
    });
  }
  const dialect = getDialect(options.dialect);
  const scratch = options.devUrl ? { devUrl: options.devUrl } : {};
  const schema = kind === 'migrations' ? await replayMigrations(dialect, readMigrationsFolder(path), scratch) : await loadSchemaFile(dialect, path, scratch);
  return { schema, source: displayPath(path), kind, dialect: options.dialect };
}

/**
 * Reads ORM models as an expected schema for a command that needs a sound one (`diff`,
 * `generate`, `snapshot`): integrity problems are one error listing them all with
 * file:line. `dialect` is the database for models that do not name one (Drizzle, TypeORM);
 * a Prisma schema's provider wins, and the caller compares dialects.
 *
 * @example
 * const models = await loadModelSource('prisma/schema.prisma', { cwd, dialect: 'postgres' });
 */
export async function loadModelSource(path: string, options: { cwd: string; dialect?: DialectName; kind?: ModelKind }): Promise<LoadedModels> {
  const models = await loadModels(path, options);
  const error = modelIssuesError(models.issues);
  if (error) throw error;
  return models;
}

/** One LockstepError listing every model problem as `file:line: message`, or undefined when there is none. */
export function modelIssuesError(issues: ModelIssue[]): LockstepError | undefined {
  if (issues.length === 0) return undefined;
  const at = (i: ModelIssue) => (i.location.line === null ? i.location.file : `${i.location.file}:${i.location.line}`);
  const lines = issues.map((i) => `${at(i)}: ${i.message} [${i.kind}]`);
  return new LockstepError(`${issues.length} problem${issues.length === 1 ? '' : 's'} in the models:\n${lines.join('\n')}`, {
    hint: issues[0]!.hint ?? 'Fix the models first; lockstep check lists the same problems.',
    location: at(issues[0]!),
    exitCode: 1,
  });
}
