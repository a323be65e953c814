import type { DialectName, Schema } from '../../core/model.js';
import type { SchemaChange } from '../../core/schema-change.js';
import { postgresFixesFor } from './postgres.js';
import { sqliteFixesFor } from './sqlite.js';

const FIXES: Record<DialectName, (changes: SchemaChange[], expected: Schema, actual: Schema) => Array<string | undefined>> = {
  postgres: postgresFixesFor,
  sqlite: sqliteFixesFor,
};

/**
 * The fix `check` prints for each change (same order); one fix may cover several changes
 * (a SQLite table rebuild). undefined where none fits.
 */
export function fixesFor(dialect: DialectName, changes: SchemaChange[], expected: Schema, actual: Schema): Array<string | undefined> {
  return FIXES[dialect](changes, expected, actual);
}
