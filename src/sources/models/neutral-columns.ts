import type { Column, DialectName, Table } from '../../core/model.js';
import { normalizeType } from '../../core/normalize-sql.js';
import { parsePostgresType } from '../../dialects/postgres/postgres-introspector.js';
import { canonicalDefault, canonicalType, typeParts } from '../../dialects/sqlite/sqlite-canonical.js';

/** A column as an ORM declares it, before canonical spelling. */
export interface DeclaredColumn {
  name: string;
  /** The SQL type the ORM's own DDL writes (`varchar(20)`, `timestamp with time zone`, `integer`). */
  type: string;
  nullable: boolean;
  default: string | null;
  identity?: 'always' | 'by default' | null;
  generated?: string | null;
  autoincrement?: boolean;
  /** SQLite: the column is the table's only primary-key column (`INTEGER PRIMARY KEY` aliases the rowid). */
  soleKey?: boolean;
}

/**
 * A declared column in the canonical spellings the dialect's introspector produces, so the
 * pure diff compares models and a live database by value (`varchar(20)` on PostgreSQL is
 * `character varying(20)`; SQLite keeps the declared text, lower-cased).
 *
 * @example
 * neutralColumn('postgres', { name: 'email', type: 'varchar(120)', nullable: false, default: null }).type
 * // → 'character varying(120)'
 */
export function neutralColumn(dialect: DialectName, declared: DeclaredColumn): Column {
  if (dialect === 'sqlite') {
    const type = canonicalType(declared.type, { soleKey: declared.soleKey ?? false });
    const column: Column = {
      name: declared.name,
      type,
      typeParts: typeParts(type),
      nullable: declared.nullable,
      default: canonicalDefault(declared.default),
      identity: null,
      generated: declared.generated ?? null,
    };
    if (declared.autoincrement) column.autoincrement = true;
    return column;
  }
  const type = postgresType(declared.type);
  return {
    name: declared.name,
    type,
    typeParts: parsePostgresType(type),
    nullable: declared.nullable,
    default: declared.default,
    identity: declared.identity ?? null,
    generated: declared.generated ?? null,
  };
}

const SERIALS: Record<string, string> = { serial: 'integer', serial4: 'integer', bigserial: 'bigint', serial8: 'bigint', smallserial: 'smallint', serial2: 'smallint' };

/** `serial` is `integer` with a sequence default: what the database shows. */
export function serialBase(type: string): string | undefined {
  return SERIALS[type.trim().toLowerCase()];
}

/** The `nextval` default PostgreSQL gives a serial column (sequence `table_column_seq`). */
export function serialDefault(table: { schema: string; name: string }, column: string): string {
  const sequence = `${table.name}_${column}_seq`.slice(0, 63);
  const qualified = table.schema === 'public' ? quoteIfNeeded(sequence) : `${quoteIfNeeded(table.schema)}.${quoteIfNeeded(sequence)}`;
  return `nextval('${qualified.replace(/'/g, "''")}'::regclass)`;
}

function quoteIfNeeded(name: string): string {
  return /^[a-z_][a-z0-9_$]*$/.test(name) ? name : `"${name.replace(/"/g, '""')}"`;
}

/** PostgreSQL type in `format_type` spelling: `varchar(20)` → `character varying(20)`, `numeric(10, 2)` → `numeric(10,2)`. */
function postgresType(type: string): string {
  const trimmed = type.trim();
  // A user type (enum) keeps its case and quoting; only built-in names are folded.
  if (/^"/.test(trimmed) || /[A-Z]/.test(trimmed.replace(/\(.*\)/, ''))) return trimmed.replace(/^"public"\./, '');
  return normalizeType(trimmed);
}

/** A table with nothing in it yet. */
export function emptyTable(schema: string, name: string): Table {
  return { schema, name, columns: [], primaryKey: null, uniques: [], foreignKeys: [], indexes: [], checks: [], triggers: [] };
}

/** Sorts a finished table's named lists the way the introspectors do. */
export function sortTable(table: Table): void {
  const byName = (a: { name: string | null }, b: { name: string | null }) => ((a.name ?? '') < (b.name ?? '') ? -1 : (a.name ?? '') > (b.name ?? '') ? 1 : 0);
  table.uniques.sort(byName);
  table.foreignKeys.sort(byName);
  table.indexes.sort(byName);
  table.checks.sort(byName);
}

/** SQL string literal. */
export function quoteLiteral(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}
