import type { Dialect } from '../dialect.js';
import { quotePostgresIdentifier } from './postgres-ddl.js';
import { connectPostgres } from './postgres-driver.js';
import { introspectPostgres } from './postgres-introspector.js';
import { planPostgresMigration } from './postgres-plan.js';
import { createPostgresScratch } from './postgres-scratch.js';
import { loadPostgresParser } from './postgres-parser.js';
import { splitPostgresStatements } from './postgres-statements.js';
import { postgresTypesCompatible } from './postgres-type-compat.js';

/**
 * PostgreSQL: transactional DDL, enums, schemas, `CREATE INDEX CONCURRENTLY` and
 * `ALTER COLUMN` are all available, so migrations never need table rebuilds.
 *
 * @example
 * const db = await postgresDialect.connect(parseConnectionUrl('postgres://postgres@localhost/app'));
 * const schema = await postgresDialect.introspect(db);
 */
export const postgresDialect: Dialect = {
  name: 'postgres',
  defaultSchema: 'public',
  supportsTransactionalDdl: true,
  supportsEnums: true,
  supportsSchemas: true,
  supportsConcurrentIndexes: true,
  supportsAlterColumn: true,
  supportsNotValidConstraints: true,
  supportsPartitioning: true,
  scratchStartsServer: true,
  scratchHint: 'Pass --dev-url (or "devUrl" in lockstep.config.json) naming a PostgreSQL server where lockstep may create temporary databases.',
  connect: connectPostgres,
  introspect: introspectPostgres,
  createScratch: createPostgresScratch,
  loadParser: loadPostgresParser,
  splitStatements: splitPostgresStatements,
  quoteIdentifier: quotePostgresIdentifier,
  typesCompatible: postgresTypesCompatible,
  planMigration: planPostgresMigration,
};
