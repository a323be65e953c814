import type { SchemaChange } from '../core/schema-change.js';
import type { Column, DialectName, Schema } from '../core/model.js';
import type { ConnectionUrl } from './connection-url.js';
import type { ConnectOptions, Database, Queryable } from './database.js';

/** One statement of a SQL script, with where it starts in the file. */
export interface SqlStatement {
  sql: string;
  /** 1-based line of the statement's first token in the script. */
  line: number;
  /** 0-based character offset of the statement in the script. */
  offset: number;
  /**
   * Set when the line is a psql meta-command that stands for more than settings (`\i`,
   * `\copy`, `\if` …): it is not SQL, and running the script stops there with a clear error.
   */
  psqlCommand?: string;
}

/** A throwaway database to materialize an expected schema in. */
export interface ScratchDatabase {
  db: Database;
  /** Drops the database (PostgreSQL) or closes it (SQLite in memory). */
  dispose(): Promise<void>;
}

export interface ScratchOptions {
  /** PostgreSQL server to create scratch databases on; else an embedded server is started. */
  devUrl?: string;
}

export interface IntrospectOptions {
  /** PostgreSQL schemas to read; default: every non-system schema except `lockstep`. */
  schemas?: string[];
}

/** A rename the user confirmed: `table.from` became `table.to` (or a whole table when column is absent). */
export interface RenameHint {
  table: string;
  from: string;
  to: string;
  /** true when `from`/`to` are table names rather than columns of `table`. */
  isTable?: boolean;
}

export interface MigrationPlan {
  /** Ordered statements that take `from` to `to`. */
  statements: string[];
  /** Changes the dialect cannot express; non-empty means the plan must not be used. */
  unsupported: SchemaChange[];
  /**
   * SQLite table rebuilds: `PRAGMA foreign_keys=OFF` is a no-op inside a transaction, so
   * the runner must turn foreign keys off before BEGIN and back on after COMMIT (else
   * dropping the old table fires ON DELETE CASCADE). The statements also guard this.
   */
  requiresForeignKeysOff?: boolean;
}

/**
 * The database engine behind one dialect: driver, introspector, statement splitter, DDL
 * and migration planner (Kysely's dialect folders). It knows no feature: each feature
 * keeps its own per-dialect half beside it (`check/fixes/`, `migrations/stores/`,
 * `lint/facts/`, `rehearse/targets/`, `jobs/plans/`). Capability flags replace
 * `if (dialect === …)` elsewhere.
 */
export interface Dialect {
  readonly name: DialectName;
  /** `public` on PostgreSQL, `main` on SQLite. */
  readonly defaultSchema: string;
  readonly supportsTransactionalDdl: boolean;
  readonly supportsEnums: boolean;
  readonly supportsSchemas: boolean;
  readonly supportsConcurrentIndexes: boolean;
  /** false on SQLite: most column changes need a table rebuild. */
  readonly supportsAlterColumn: boolean;
  /** `ADD CONSTRAINT … NOT VALID` then `VALIDATE CONSTRAINT`: add a key or check without checking old rows under a strong lock. */
  readonly supportsNotValidConstraints: boolean;
  /** Declarative partitioning (`PARTITION BY`), which cannot be changed in place. */
  readonly supportsPartitioning: boolean;
  /** What to try when `createScratch` fails (PostgreSQL: name a server with --dev-url); undefined when nothing helps. */
  readonly scratchHint: string | undefined;
  /**
   * true when `createScratch` without a devUrl starts a database server of its own
   * (PostgreSQL's embedded server): a worker or a probe then skips the comparison instead.
   */
  readonly scratchStartsServer: boolean;

  connect(url: ConnectionUrl, options?: ConnectOptions): Promise<Database>;
  /** Reads the live schema; lockstep's own tables (history, jobs) are left out. */
  introspect(db: Queryable, options?: IntrospectOptions): Promise<Schema>;
  createScratch(options?: ScratchOptions): Promise<ScratchDatabase>;
  /**
   * Loads the SQL parser `splitStatements` needs (PostgreSQL: libpg-query, lazily, so a
   * worker or a probe never loads it). Memoized; await it before splitting.
   */
  loadParser(): Promise<void>;
  /** Splits a script into statements, keeping line numbers for error messages. */
  splitStatements(sql: string): SqlStatement[];
  quoteIdentifier(name: string): string;
  /** Whether a foreign key column `from` may reference key column `to` (for `validateForeignKeys`). */
  typesCompatible(from: Column, to: Column): boolean;
  /** Ordered statements that take schema `from` to schema `to`. */
  planMigration(from: Schema, to: Schema, options?: { renames?: RenameHint[]; compare?: { comments?: boolean; grants?: boolean; extensionVersions?: boolean } }): MigrationPlan;
}

/** The boolean capability flags of a dialect, e.g. `'supportsConcurrentIndexes'`. */
export type DialectCapability = { [K in keyof Dialect]: Dialect[K] extends boolean ? K : never }[keyof Dialect];
