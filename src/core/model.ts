/**
 * The neutral schema model every part of lockstep speaks: introspectors produce it,
 * the diff engine compares two of them, snapshots serialize it, generators and linters
 * read it. It carries no driver or dialect code.
 *
 * Conventions shared by both introspectors (so the pure diff can compare by value):
 * - identifiers are stored unquoted, exactly as the database stores them;
 * - lists are sorted: tables, enums and views by (schema, name); constraints and indexes
 *   by name; columns stay in ordinal order;
 * - types, defaults and expressions are in the dialect's canonical spelling
 *   (PostgreSQL: `format_type` / `pg_get_expr`; SQLite: the declared text, lower-cased,
 *   whitespace-collapsed, aliases folded), so equal definitions compare equal as strings.
 */

export type DialectName = 'postgres' | 'sqlite';

export interface Schema {
  dialect: DialectName;
  tables: Table[];
  enums: EnumType[];
  views: View[];
  // Optional collections: a producer that does not read them (an older snapshot, an ORM
  // reader, SQLite) leaves them out. The diff treats a missing list as "not read", never
  // as "none": only when both sides carry a list are its objects compared.
  /** PostgreSQL functions, procedures and aggregates (not those of extensions). */
  functions?: SchemaFunction[];
  /** PostgreSQL sequences, standalone and serial-owned (identity sequences belong to their column). */
  sequences?: Sequence[];
  /** PostgreSQL extensions (`plpgsql` left out: every database has it). */
  extensions?: Extension[];
  /** PostgreSQL domains. */
  domains?: Domain[];
  /** PostgreSQL composite types (`CREATE TYPE name AS (…)`). */
  compositeTypes?: CompositeType[];
  /**
   * PostgreSQL privileges on tables, views and sequences (and their columns), schemas,
   * functions and procedures, and types, as granted to roles other than the owner.
   * Compared only with `DiffOptions.grants`.
   */
  grants?: Grant[];
  /** PostgreSQL `ALTER DEFAULT PRIVILEGES`; absent = not read. Compared only with `DiffOptions.grants`. */
  defaultPrivileges?: DefaultPrivilege[];
  /** PostgreSQL role names of the server (those not starting with `pg_`), to say when a granted role does not exist. */
  roles?: string[];
  /** SQLite virtual tables (FTS5, R*Tree, …); absent means none. Their shadow tables are not in `tables`. */
  virtualTables?: VirtualTable[];
  /**
   * Objects the introspector saw but cannot model: reported as "not compared" by name,
   * never recreated or dropped by a fix. Absent means none.
   */
  notCompared?: NotComparedObject[];
}

/** A PostgreSQL domain: `CREATE DOMAIN name AS type [DEFAULT …] [NOT NULL] [CONSTRAINT … CHECK (…)]`. */
export interface Domain {
  schema: string;
  name: string;
  /** Base type as `format_type` prints it (`text`, `numeric(10,2)`). */
  type: string;
  default: string | null;
  notNull: boolean;
  /** Check constraints by name, each as `pg_get_constraintdef` prints it (`CHECK (VALUE > 0)`). */
  checks: Array<{ name: string; definition: string }>;
}

/** A PostgreSQL composite type: its attributes in order. */
export interface CompositeType {
  schema: string;
  name: string;
  /** Each attribute's name and type (`format_type`: `character(3)`, `bigint`). */
  attributes: Array<{ name: string; type: string }>;
}

/**
 * One privilege granted on an object or a column: `GRANT privilege [(column)] ON object TO
 * grantee`. On functions and types the privilege PostgreSQL grants PUBLIC by default
 * (`EXECUTE`, `USAGE`) is listed like any other while it is not revoked, so a revoke is
 * seen as its absence.
 */
export interface Grant {
  /** The object's schema and name (for a schema: its name twice). */
  schema: string;
  name: string;
  objectType: 'table' | 'view' | 'sequence' | 'schema' | 'function' | 'procedure' | 'type';
  /** Set for a column privilege (`GRANT SELECT (email) ON …`). */
  column?: string;
  /** A function's or procedure's identity arguments (`p_invoice integer`), as in `SchemaFunction.arguments`. */
  arguments?: string;
  /** Role name as stored (unquoted), or `PUBLIC`. */
  grantee: string;
  /** `SELECT`, `INSERT`, `UPDATE`, `DELETE`, `TRUNCATE`, `REFERENCES`, `TRIGGER`, `USAGE`, … */
  privilege: string;
  /** Granted `WITH GRANT OPTION`. */
  grantable: boolean;
}

/**
 * One privilege of `ALTER DEFAULT PRIVILEGES [FOR ROLE role] [IN SCHEMA schema] GRANT
 * privilege ON objects TO grantee`: what objects that `role` creates later get.
 */
export interface DefaultPrivilege {
  /** The role whose new objects get it; null for the role lockstep connects as (no `FOR ROLE`), which is how a schema file says it. */
  role: string | null;
  /** `IN SCHEMA`; null for every schema. */
  schema: string | null;
  objectType: 'tables' | 'sequences' | 'functions' | 'types' | 'schemas';
  /** Role name, or `PUBLIC`. */
  grantee: string;
  privilege: string;
  grantable: boolean;
  /**
   * A privilege PostgreSQL gives new objects by itself (`EXECUTE` on functions, `USAGE`
   * on types, to PUBLIC) that is revoked (`ALTER DEFAULT PRIVILEGES REVOKE EXECUTE ON
   * FUNCTIONS FROM PUBLIC`).
   */
  revoked?: true;
}

export interface Extension {
  name: string;
  /** The schema its objects live in. */
  schema: string;
  /** Installed version; compared only with `DiffOptions.extensionVersions`. */
  version: string;
}

export interface Table {
  /** PostgreSQL schema (`public` by default); `main` on SQLite. */
  schema: string;
  name: string;
  columns: Column[];
  primaryKey: PrimaryKey | null;
  uniques: UniqueConstraint[];
  foreignKeys: ForeignKey[];
  /** Indexes that do not back a primary key or unique constraint. */
  indexes: Index[];
  checks: CheckConstraint[];
  /**
   * Triggers on the table, by name (`trigger.*` changes): definition and (PostgreSQL)
   * enabled state. SQLite table rebuilds recreate them.
   */
  triggers: Trigger[];
  /** SQLite: `WITHOUT ROWID` / `STRICT` table options; PostgreSQL: `unlogged`. Absent = none. */
  options?: string[];
  /**
   * PostgreSQL exclusion constraints, compared by name and definition; absent = not read
   * (other producers), and then not compared.
   */
  exclusions?: ExclusionConstraint[];
  /**
   * PostgreSQL declarative partitioning: null for a plain table; absent = not read (other
   * producers), and then not compared.
   */
  partitioning?: Partitioning | null;
  /** PostgreSQL `COMMENT ON TABLE` (null: none); absent = not read. Compared only with `DiffOptions.comments`. */
  comment?: string | null;
  /** PostgreSQL row-level security; absent = not read (older producers). */
  rowSecurity?: RowSecurity;
  /** PostgreSQL row-level security policies, sorted by name; absent = not read. */
  policies?: Policy[];
}

export interface RowSecurity {
  /** `ALTER TABLE … ENABLE ROW LEVEL SECURITY`. */
  enabled: boolean;
  /** `ALTER TABLE … FORCE ROW LEVEL SECURITY` (applies to the table owner too). */
  forced: boolean;
}

export interface Policy {
  name: string;
  /** `for all | select | insert | update | delete`. */
  command: 'all' | 'select' | 'insert' | 'update' | 'delete';
  /** false for `AS RESTRICTIVE`. */
  permissive: boolean;
  /** Role names, sorted; `public` for PUBLIC. */
  roles: string[];
  /** `USING (…)` expression as the server prints it, or null. */
  using: string | null;
  /** `WITH CHECK (…)` expression as the server prints it, or null. */
  withCheck: string | null;
}

export interface ColumnType {
  /** Base type name in canonical spelling, e.g. `character varying`, `integer`, `public.mood`. */
  base: string;
  /** Character length (`varchar(20)` → 20). */
  length: number | null;
  precision: number | null;
  scale: number | null;
  /** Array dimensions (PostgreSQL `text[]` → 1). */
  arrayDimensions: number;
}

export interface Column {
  name: string;
  /** Full canonical type text, e.g. `character varying(20)`, `numeric(10,2)`, `text[]`. */
  type: string;
  typeParts: ColumnType;
  nullable: boolean;
  /** Canonical default expression, or null. */
  default: string | null;
  identity: 'always' | 'by default' | null;
  /** Expression of a generated (computed) column, or null. */
  generated: string | null;
  /** SQLite `INTEGER PRIMARY KEY AUTOINCREMENT`. */
  autoincrement?: boolean;
  /**
   * Collation the column declares: lower-cased on SQLite (`nocase`), as named on
   * PostgreSQL (`C`, `und-x-icu`, schema-qualified outside `pg_catalog` and `public`);
   * null or absent for the default (SQLite `binary`, PostgreSQL the type's own).
   * Compared case-insensitively.
   */
  collation?: string | null;
  /** PostgreSQL `COMMENT ON COLUMN` (null: none); absent = not read. Compared only with `DiffOptions.comments`. */
  comment?: string | null;
}

/**
 * PostgreSQL `DEFERRABLE INITIALLY IMMEDIATE` (`immediate`) or `DEFERRABLE INITIALLY
 * DEFERRED` (`deferred`); null = not deferrable. A producer that does not read it
 * (SQLite, ORM models, older snapshots) leaves the field out, and then the deferrability
 * of that table's keys is not compared (`diffSchemas` compares it only when every key of
 * the table on both sides carries the field).
 */
export type Deferrable = 'immediate' | 'deferred';

export interface PrimaryKey {
  /** Constraint name; null when the database does not name it (SQLite). */
  name: string | null;
  columns: string[];
  deferrable?: Deferrable | null;
}

export interface UniqueConstraint {
  name: string | null;
  columns: string[];
  /** PostgreSQL 15 `UNIQUE NULLS NOT DISTINCT`; absent = not read (compared with `deferrable`). */
  nullsNotDistinct?: boolean;
  deferrable?: Deferrable | null;
}

export type ReferentialAction = 'no action' | 'restrict' | 'cascade' | 'set null' | 'set default';

export interface ForeignKey {
  name: string | null;
  columns: string[];
  referencedSchema: string;
  referencedTable: string;
  referencedColumns: string[];
  onDelete: ReferentialAction;
  onUpdate: ReferentialAction;
  deferrable?: Deferrable | null;
}

export interface IndexKey {
  /** Column name, or null when the key is an expression. */
  column: string | null;
  /** Canonical expression text when the key is not a plain column. */
  expression: string | null;
  descending: boolean;
  /**
   * PostgreSQL: where nulls sort when it is not the default for the direction (`first`
   * on an ascending key, `last` on a descending one); absent = the default.
   */
  nulls?: 'first' | 'last';
  /** PostgreSQL operator class when it is not the default for the type (`gin_trgm_ops`); absent = default. */
  opclass?: string;
}

export interface Index {
  name: string;
  unique: boolean;
  keys: IndexKey[];
  /** Partial index predicate, canonical, or null. */
  where: string | null;
  /** Access method (`btree`, `gin`, …); always `btree` on SQLite. */
  method: string;
  /**
   * PostgreSQL `INCLUDE (…)` columns (`[]` for none). Absent = the producer does not read
   * index details (SQLite, ORM models, older snapshots): then `include`,
   * `nullsNotDistinct` and the keys' `nulls` and `opclass` of that table's indexes are not
   * compared (only when every index of the table on both sides carries `include`).
   */
  include?: string[];
  /** PostgreSQL 15 `NULLS NOT DISTINCT` on a unique index. */
  nullsNotDistinct?: boolean;
}

export interface Partitioning {
  /** `pg_get_partkeydef`: `RANGE (issued_on)`, `LIST (region)`, `HASH (id)`. */
  key: string;
  /**
   * Its partitions by name and bound. A partition is a table of its own in PostgreSQL, but
   * only its name and bound are read: it takes the parent's columns, keys and indexes.
   */
  partitions: Partition[];
}

export interface Partition {
  schema: string;
  name: string;
  /** `FOR VALUES FROM ('2025-01-01') TO ('2026-01-01')`, `FOR VALUES IN ('se')`, `DEFAULT`. */
  bound: string;
  /**
   * What this partition has that its parent does not: indexes, unique, check and foreign
   * key constraints and triggers created on the partition itself (pg_dump writes Pagila's
   * per-month foreign keys this way). Absent = not read.
   */
  own?: PartitionObjects;
}

/** A partition's own objects, compared like a table's (by name and definition). */
export type PartitionObjects = Pick<Table, 'uniques' | 'foreignKeys' | 'checks' | 'indexes' | 'triggers'>;

export interface ExclusionConstraint {
  name: string;
  /** `pg_get_constraintdef`: `EXCLUDE USING gist (room_id WITH =, during WITH &&)`, with any `WHERE` and `DEFERRABLE`. */
  definition: string;
}

export interface CheckConstraint {
  name: string | null;
  expression: string;
}

export interface Trigger {
  name: string;
  /**
   * The full CREATE TRIGGER statement as the database reports it; compared by its
   * normalized text (case, whitespace and quotes of simple identifiers aside).
   */
  definition: string;
  /**
   * PostgreSQL `ALTER TABLE … ENABLE/DISABLE TRIGGER` state (`origin` = plain ENABLE);
   * absent = enabled (SQLite, older producers).
   */
  enabled?: 'origin' | 'always' | 'replica' | 'disabled';
}

/** A PostgreSQL function or procedure, identified by schema, name and argument types. */
export interface SchemaFunction {
  schema: string;
  name: string;
  /** Identity arguments as `pg_get_function_identity_arguments` prints them: `a integer, b text`. */
  arguments: string;
  kind: 'function' | 'procedure' | 'aggregate';
  /** `pg_get_function_result` (`trigger`, `SETOF film`, `TABLE(…)`); null for a procedure. */
  returns: string | null;
  language: string;
  volatility: 'immutable' | 'stable' | 'volatile';
  security: 'invoker' | 'definer';
  /**
   * The whole `CREATE OR REPLACE FUNCTION …` as the server prints it
   * (`pg_get_functiondef`: attributes in a fixed order, the body as stored), compared
   * with whitespace collapsed.
   */
  definition: string;
}

export interface Sequence {
  schema: string;
  name: string;
  /** `smallint`, `integer` or `bigint`. */
  type: string;
  /** Numbers as decimal strings: they may exceed JavaScript's safe integers. */
  start: string;
  increment: string;
  min: string;
  max: string;
  cycle: boolean;
  /** The column that owns it (`OWNED BY`, what `serial` sets up), or null. */
  ownedBy: { schema: string; table: string; column: string } | null;
}

export interface EnumType {
  schema: string;
  name: string;
  values: string[];
}

export interface View {
  schema: string;
  name: string;
  /** Normalized view query (whitespace-collapsed, as the database re-prints it). */
  definition: string;
  materialized: boolean;
  /** SQLite `INSTEAD OF` triggers on the view; absent means none. */
  triggers?: Trigger[];
  /** PostgreSQL: the indexes of a materialized view (`[]` for none); absent = not read, not compared. */
  indexes?: Index[];
}

/** A SQLite virtual table: `CREATE VIRTUAL TABLE name USING module(arguments)`. */
export interface VirtualTable {
  schema: string;
  name: string;
  /** Module name, lower-cased (`fts5`, `rtree`). */
  module: string;
  /** The module arguments as written between the parentheses (`title, body, tokenize = 'porter'`), or '' for none. */
  arguments: string;
}

/** An object lockstep does not model (see `Schema.notCompared`). */
export interface NotComparedObject {
  schema: string;
  name: string;
  /** What the object is, e.g. `table`. */
  type: string;
  /** Why it is not compared, one sentence. */
  reason: string;
}

/** `schema.name`, or just `name` when the schema is the dialect default. */
export function qualifiedName(object: { schema: string; name: string }, defaultSchema = 'public'): string {
  return object.schema === defaultSchema || object.schema === 'main' ? object.name : `${object.schema}.${object.name}`;
}

export function emptySchema(dialect: DialectName): Schema {
  return { dialect, tables: [], enums: [], views: [] };
}

/** `name(arguments)`, how PostgreSQL names a function in messages and DROP FUNCTION. */
export function functionSignature(fn: { name: string; arguments: string }): string {
  return `${fn.name}(${fn.arguments})`;
}

export function findTable(schema: Schema, name: string, namespace?: string): Table | undefined {
  return schema.tables.find((t) => t.name === name && (namespace === undefined || t.schema === namespace));
}
