import { existsSync, readFileSync } from 'node:fs';
import { LockstepError } from '../core/errors.js';
import { diffSchemas } from '../core/diff-schemas.js';
import { type BuiltMigration, type ExpectedSchema, parseExpectedSchema } from '../core/expected-schema.js';
import type { Database } from '../dialects/database.js';
import { getDialect } from '../dialects/index.js';
import type { HistoryRow } from '../migrations/migration-store.js';
import { migrationStoreFor } from '../migrations/stores/index.js';
import { displayPath } from '../sources/display-path.js';
import { type AllowRule, type ClassifiedChange, classifyChanges } from './compatibility.js';

/** What a worker or a probe needs to know about the live database, from the build's expected schema. */
export interface RuntimeSchemaCheck {
  /** false when anything blocking was found: the code cannot run on this database. */
  ready: boolean;
  /** The expected-schema file, for messages. */
  source: string;
  blocking: ClassifiedChange[];
  /** Compatible differences (the database is ahead or looser), and migration notes. */
  notes: ClassifiedChange[];
  /** Migrations this build ships that the database has not applied. */
  pending: BuiltMigration[];
  /** Migrations the database applied that this build does not know (a newer release ran them). */
  unknownApplied: HistoryRow[];
}

/** Reads an expected-schema file written by `lockstep build`. */
export function readExpectedSchemaFile(path: string): ExpectedSchema {
  if (!existsSync(path)) {
    throw new LockstepError(`expected-schema file not found: ${displayPath(path)}`, { hint: 'Write it with lockstep build and commit it.' });
  }
  return parseExpectedSchema(readFileSync(path, 'utf8'), displayPath(path));
}

/**
 * Compares the live database with the build's expected schema for compatibility (not
 * equality): introspection, a pure diff and the migration history; no SQL parser, no
 * compiler, no scratch database.
 *
 * @example
 * const result = await checkRuntimeSchema(db, readExpectedSchemaFile('lockstep.expected.json'));
 * if (!result.ready) console.error(result.blocking.map((c) => c.change.message));
 */
export async function checkRuntimeSchema(db: Database, expected: ExpectedSchema, options: { allow?: readonly AllowRule[]; source?: string } = {}): Promise<RuntimeSchemaCheck> {
  if (expected.dialect !== db.dialect) {
    throw new LockstepError(`${options.source ?? 'the expected schema'} was built for ${expected.dialect}, but ${db.displayUrl} is ${db.dialect}`, {
      hint: 'Run lockstep build against the dialect this service runs on.',
    });
  }
  const live = await getDialect(db.dialect).introspect(db);
  const classified = classifyChanges(diffSchemas(expected.schema, live).changes, options.allow);
  let pending: BuiltMigration[] = [];
  let unknownApplied: HistoryRow[] = [];
  if (expected.migrations.length > 0) {
    const history = await migrationStoreFor(db.dialect).readHistory(db);
    const applied = new Set(history.map((h) => h.version));
    const known = new Set(expected.migrations.map((m) => m.version));
    pending = expected.migrations.filter((m) => !applied.has(m.version));
    unknownApplied = history.filter((h) => !known.has(h.version));
  }
  const blocking = classified.filter((c) => c.compatibility === 'blocking');
  return {
    ready: blocking.length === 0,
    source: options.source ?? expected.source,
    blocking,
    notes: classified.filter((c) => c.compatibility === 'note'),
    pending,
    unknownApplied,
  };
}

/** One paragraph per problem, for logs and errors. */
export function describeRuntimeCheck(result: RuntimeSchemaCheck): string {
  const lines: string[] = [];
  for (const c of result.blocking) lines.push(`  ✗ ${c.change.message} [${c.change.kind}]: ${c.reason}`);
  for (const c of result.notes) lines.push(`  · ${c.change.message} [${c.change.kind}]: ${c.reason}`);
  if (result.pending.length > 0) lines.push(`  · ${result.pending.length} migration(s) of this build not applied yet: ${result.pending.map((m) => `${m.version}_${m.name}`).join(', ')}`);
  if (result.unknownApplied.length > 0) lines.push(`  · the database applied migration(s) this build does not know: ${result.unknownApplied.map((m) => `${m.version}_${m.name}`).join(', ')}`);
  return lines.join('\n');
}
