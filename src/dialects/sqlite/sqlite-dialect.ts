import type { Dialect } from '../dialect.js';
import { planSqliteMigration } from './sqlite-ddl.js';
import { openSqlite } from './sqlite-driver.js';
import { introspectSqlite } from './sqlite-introspector.js';
import { quoteSqliteIdentifier } from './sqlite-lexer.js';
import { createSqliteScratch } from './sqlite-scratch.js';
import { scriptStatementsSqlite } from './sqlite-statements.js';
import { sqliteTypesCompatible } from './sqlite-type-compat.js';

/**
 * SQLite, the embedded default (better-sqlite3). DDL is transactional, but ALTER TABLE
 * can only rename, add and drop columns: other column changes rebuild the table.
 *
 * @example
 * const db = await sqliteDialect.connect(parseConnectionUrl('sqlite::memory:'));
 * const schema = await sqliteDialect.introspect(db);
 */
export const sqliteDialect: Dialect = {
  name: 'sqlite',
  defaultSchema: 'main',
  supportsTransactionalDdl: true,
  supportsEnums: false,
  supportsSchemas: false,
  supportsConcurrentIndexes: false,
  supportsAlterColumn: false,
  supportsNotValidConstraints: false,
  supportsPartitioning: false,
  // Scratch databases are in memory: there is no server to point at.
  scratchStartsServer: false,
  scratchHint: undefined,
  connect: (url, options) => openSqlite(url, options),
  introspect: (db) => introspectSqlite(db),
  createScratch: () => createSqliteScratch(),
  loadParser: async () => {},
  splitStatements: (sql) => scriptStatementsSqlite(sql),
  quoteIdentifier: (name) => quoteSqliteIdentifier(name),
  typesCompatible: (from, to) => sqliteTypesCompatible(from, to),
  planMigration: (from, to, options) => planSqliteMigration(from, to, options),
};
