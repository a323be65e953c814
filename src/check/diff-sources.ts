/**
 * `lockstep diff --from SRC --to SRC` as a library call: what it takes to turn FROM into TO.
 * TO is the expected side, FROM the actual side, so the report reads like `check`.
 */
import { redactPassword } from '../dialects/connection-url.js';
import { LockstepError } from '../core/errors.js';
import { loadSource, type SchemaKind, sourceDialect } from '../sources/load-source.js';
import { getDialect } from '../dialects/index.js';
import type { CheckReport } from './check.js';
import { notComparedOf, withFixes } from './check.js';
import { type DiffOptions, diffSchemas } from '../core/diff-schemas.js';
import type { DialectName, Schema } from '../core/model.js';

export interface DiffSourcesOptions {
  from: string;
  to: string;
  /** Dialect when neither side names one (two .sql files): the configured database's. */
  dialect?: DialectName;
  devUrl?: string;
  strictNames?: boolean;
  /** The opt-in comparisons (comments, grants, extension versions). */
  compare?: Pick<DiffOptions, 'comments' | 'grants' | 'extensionVersions'>;
  cwd?: string;
  /** `--schema-kind`: how to read a side that is a file of ORM models or SQL (default: detected). */
  schemaKind?: SchemaKind;
}

export interface DiffSourcesResult {
  report: CheckReport;
  from: Schema;
  to: Schema;
}

/**
 * @example
 * const { report } = await diffSources({ from: 'migrations', to: 'schema.sql', dialect: 'sqlite' });
 */
export async function diffSources(options: DiffSourcesOptions): Promise<DiffSourcesResult> {
  const cwd = options.cwd ?? process.cwd();
  const fromDialect = sourceDialect(options.from, cwd, options.schemaKind);
  const toDialect = sourceDialect(options.to, cwd, options.schemaKind);
  if (fromDialect && toDialect && fromDialect !== toDialect) {
    throw new LockstepError(`cannot compare a ${fromDialect} schema (${redactPassword(options.from)}) with a ${toDialect} schema`, {
      hint: 'Both sides of a diff must be for the same database (PostgreSQL or SQLite).',
    });
  }
  const dialectName = fromDialect ?? toDialect ?? options.dialect;
  const common = {
    cwd,
    ...(dialectName ? { dialect: dialectName } : {}),
    ...(options.devUrl ? { devUrl: options.devUrl } : {}),
    ...(options.schemaKind ? { schemaKind: options.schemaKind } : {}),
  };
  const [from, to] = await Promise.allSettled([loadSource(options.from, common), loadSource(options.to, common)]);
  if (from.status === 'rejected') throw from.reason;
  if (to.status === 'rejected') throw to.reason;
  if (from.value.dialect !== to.value.dialect) {
    throw new LockstepError(`cannot compare a ${from.value.dialect} schema (${from.value.source}) with a ${to.value.dialect} schema (${to.value.source})`, {
      hint: 'Both sides of a diff must be for the same database: models are compared with a database of the provider they are written for.',
    });
  }
  const dialect = getDialect(from.value.dialect);
  const changes = withFixes(dialect, diffSchemas(to.value.schema, from.value.schema, { ...options.compare, strictNames: options.strictNames }).changes, to.value.schema, from.value.schema);
  return {
    report: {
      ok: changes.length === 0,
      dialect: dialect.name,
      expected: { source: to.value.source, ...(to.value.models ? { kind: 'models' as const, orm: to.value.models.kind } : {}) },
      actual: { source: from.value.source, ...(from.value.note ? { note: from.value.note } : {}) },
      changes,
      ...(to.value.models?.notes.length ? { notes: to.value.models.notes } : {}),
      ...(notComparedOf(to.value.schema, from.value.schema).length > 0 ? { notCompared: notComparedOf(to.value.schema, from.value.schema) } : {}),
    },
    from: from.value.schema,
    to: to.value.schema,
  };
}
