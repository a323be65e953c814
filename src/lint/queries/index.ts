import type { DialectName } from '../../core/model.js';
import { postgresQueryAsPostgres } from './postgres.js';
import { sqliteQueryAsPostgres } from './sqlite.js';

const QUERIES: Record<DialectName, (sql: string) => string> = { postgres: postgresQueryAsPostgres, sqlite: sqliteQueryAsPostgres };

/** A query of the application, in the dialect's own syntax, as the same-length PostgreSQL text lint parses. */
export function queryAsPostgres(dialect: DialectName, sql: string): string {
  return QUERIES[dialect](sql);
}
