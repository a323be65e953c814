/**
 * One entry point for every kind of schema source `diff` and `snapshot` accept: a
 * database URL, a declarative `.sql` file, a migrations folder or a snapshot `.json`.
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
import { replayMigrations } from './migrations-source.js';
import { loadSchemaFile } from './schema-file-source.js';
import { readSnapshotFile } from './snapshot-source.js';

export type SourceKind = 'url' | 'schema-file' | 'migrations' | 'snapshot';

export interface LoadedSource {
  schema: Schema;
  /** For display: a URL with its password redacted, or a path. */
  source: string;
  kind: SourceKind;
  dialect: DialectName;
  /** Something the reader should know (e.g. the SQLite file does not exist yet). */
  note?: string;
}

export interface LoadSourceOptions {
  /** Dialect for sources that cannot tell their own (a `.sql` file, a folder). */
  dialect?: DialectName;
  devUrl?: string;
  /** Base for relative paths (default: the working directory). */
  cwd?: string;
}

const URL_PATTERN = /^(postgres(ql)?:\/\/|sqlite:)/i;

/** What kind of source `spec` is, without reading it. */
export function sourceKind(spec: string, cwd = process.cwd()): SourceKind {
  if (URL_PATTERN.test(spec.trim())) return 'url';
  const path = resolve(cwd, spec);
  if (existsSync(path) && statSync(path).isDirectory()) return 'migrations';
  if (/\.json$/i.test(spec)) return 'snapshot';
  if (/\.sql$/i.test(spec)) return 'schema-file';
  if (!existsSync(path)) {
    throw new LockstepError(`schema source not found: ${spec}`, {
      hint: 'A source is a database URL (postgres://…, sqlite:…), a .sql schema file, a migrations folder or a snapshot .json.',
    });
  }
  throw new LockstepError(`cannot tell what kind of schema source ${spec} is`, {
    hint: 'A source is a database URL (postgres://…, sqlite:…), a .sql schema file, a migrations folder or a snapshot .json.',
  });
}

/**
 * The dialect a source carries itself (a URL's scheme, a snapshot's `dialect`), or
 * undefined for a `.sql` file or a migrations folder.
 */
export function sourceDialect(spec: string, cwd = process.cwd()): DialectName | undefined {
  const kind = sourceKind(spec, cwd);
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
  const kind = sourceKind(spec, cwd);
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
