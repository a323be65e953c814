import type { DialectName, Schema } from '../../core/model.js';
import type { SchemaChange } from '../../core/schema-change.js';
import { orderForFixes } from '../fix-order.js';
import { postgresFixesFor } from './postgres.js';
import { orderSqliteChanges, sqliteFixesFor } from './sqlite.js';

const FIXES: Record<DialectName, (changes: SchemaChange[], expected: Schema, actual: Schema) => Array<string | undefined>> = {
  postgres: postgresFixesFor,
  sqlite: sqliteFixesFor,
};

/**
 * The order each dialect's fixes run in. PostgreSQL uses the neutral dependency order
 * (`fix-order.ts`: a table is dropped last); SQLite fixes are table rebuilds, which need
 * dropped tables and triggers out of the way first (`orderSqliteChanges`).
 */
const ORDERS: Record<DialectName, (changes: SchemaChange[], expected: Schema, actual: Schema) => SchemaChange[]> = {
  postgres: (changes) => orderForFixes(changes),
  sqlite: orderSqliteChanges,
};

/**
 * The fix `check` prints for each change (same order); one fix may cover several changes
 * (a SQLite table rebuild). undefined where none fits.
 */
export function fixesFor(dialect: DialectName, changes: SchemaChange[], expected: Schema, actual: Schema): Array<string | undefined> {
  return FIXES[dialect](changes, expected, actual);
}

/**
 * The changes in the order their fixes can run one after the other (tables before what
 * needs them, a dropped object before its replacement).
 */
export function fixOrderFor(dialect: DialectName, changes: SchemaChange[], expected: Schema, actual: Schema): SchemaChange[] {
  return ORDERS[dialect](changes, expected, actual);
}
