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
  /** Triggers are carried (SQLite table rebuilds must recreate them) but not diffed. */
  triggers: Trigger[];
  /** SQLite: `WITHOUT ROWID` / `STRICT` table options; empty elsewhere. */
  options?: string[];
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
}

export interface PrimaryKey {
  /** Constraint name; null when the database does not name it (SQLite). */
  name: string | null;
  columns: string[];
}

export interface UniqueConstraint {
  name: string | null;
  columns: string[];
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
}

export interface IndexKey {
  /** Column name, or null when the key is an expression. */
  column: string | null;
  /** Canonical expression text when the key is not a plain column. */
  expression: string | null;
  descending: boolean;
}

export interface Index {
  name: string;
  unique: boolean;
  keys: IndexKey[];
  /** Partial index predicate, canonical, or null. */
  where: string | null;
  /** Access method (`btree`, `gin`, …); always `btree` on SQLite. */
  method: string;
}

export interface CheckConstraint {
  name: string | null;
  expression: string;
}

export interface Trigger {
  name: string;
  /** The full CREATE TRIGGER statement as the database reports it. */
  definition: string;
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
}

/** `schema.name`, or just `name` when the schema is the dialect default. */
export function qualifiedName(object: { schema: string; name: string }, defaultSchema = 'public'): string {
  return object.schema === defaultSchema || object.schema === 'main' ? object.name : `${object.schema}.${object.name}`;
}

export function emptySchema(dialect: DialectName): Schema {
  return { dialect, tables: [], enums: [], views: [] };
}

export function findTable(schema: Schema, name: string, namespace?: string): Table | undefined {
  return schema.tables.find((t) => t.name === name && (namespace === undefined || t.schema === namespace));
}
