import type {
  CheckConstraint,
  Column,
  ForeignKey,
  Index,
  NotComparedObject,
  ReferentialAction,
  Schema,
  Table,
  Trigger,
  UniqueConstraint,
  View,
  VirtualTable,
} from '../../core/model.js';
import type { Queryable } from '../database.js';
import { canonicalDefault, canonicalType, printTokens, stripOuterParens, typeParts } from './sqlite-canonical.js';
import { parseCreateIndex, parseCreateTable, parseCreateView, parseCreateVirtualTable, type ParsedTable } from './sqlite-create-parser.js';

/**
 * Objects lockstep reads: everything but SQLite's internal tables and lockstep's own
 * (`lockstep_migrations`, the `lockstep_` jobs tables). Virtual tables are read from
 * their CREATE text only (module and arguments): their pragmas fail when the module is
 * not loaded. Their shadow tables (`docs_data`, `docs_idx`, … of an FTS5 table `docs`)
 * belong to them and are not tables of the model.
 */
const OBJECT_FILTER = `m.name not like 'sqlite\\_%' escape '\\' and m.name not like 'lockstep\\_%' escape '\\'`;
const TABLE_FILTER = `m.type = 'table' and ${OBJECT_FILTER} and m.sql not like 'create virtual%'`;

interface MasterRow {
  type: string;
  name: string;
  tbl_name: string;
  sql: string | null;
}
interface ColumnRow {
  table_name: string;
  cid: number;
  name: string;
  type: string;
  notnull: number;
  dflt_value: string | null;
  pk: number;
  hidden: number;
}
interface ForeignKeyRow {
  table_name: string;
  id: number;
  seq: number;
  table: string;
  from: string;
  to: string | null;
  on_update: string;
  on_delete: string;
}
interface IndexRow {
  table_name: string;
  name: string;
  unique: number;
  origin: string;
  partial: number;
}
interface IndexColumnRow {
  index_name: string;
  seqno: number;
  cid: number;
  name: string | null;
  desc: number;
}

/**
 * Reads a live SQLite schema into the neutral model, in five queries whatever the number
 * of tables: the table-valued pragma functions (`pragma_table_xinfo(m.name)`, …) are
 * joined against `sqlite_master` instead of being called once per table.
 *
 * @example
 * const schema = await introspectSqlite(db);
 * schema.tables.map((t) => t.name) // → ['orders', 'users']
 */
export async function introspectSqlite(db: Queryable): Promise<Schema> {
  const master = (await db.query<MasterRow>(`select m.type, m.name, m.tbl_name, m.sql from sqlite_master m where ${OBJECT_FILTER} order by m.name`)).rows;
  const columnRows = (
    await db.query<ColumnRow>(
      `select m.name as table_name, c.cid, c.name, c.type, c."notnull", c.dflt_value, c.pk, c.hidden
         from sqlite_master m join pragma_table_xinfo(m.name) c where ${TABLE_FILTER}`,
    )
  ).rows;
  const fkRows = (
    await db.query<ForeignKeyRow>(
      `select m.name as table_name, f.id, f.seq, f."table", f."from", f."to", f.on_update, f.on_delete
         from sqlite_master m join pragma_foreign_key_list(m.name) f where ${TABLE_FILTER}`,
    )
  ).rows;
  const indexRows = (
    await db.query<IndexRow>(
      `select m.name as table_name, i.name, i."unique", i.origin, i.partial
         from sqlite_master m join pragma_index_list(m.name) i where ${TABLE_FILTER}`,
    )
  ).rows;
  const indexColumnRows = (
    await db.query<IndexColumnRow>(
      `select i.name as index_name, x.seqno, x.cid, x.name, x."desc"
         from sqlite_master m join pragma_index_list(m.name) i join pragma_index_xinfo(i.name) x
        where ${TABLE_FILTER} and x."key" = 1`,
    )
  ).rows;

  const virtualTables: VirtualTable[] = master
    .filter((row) => row.type === 'table' && /^\s*create\s+virtual\b/i.test(row.sql ?? ''))
    .map((row) => ({ schema: 'main', name: row.name, ...parseCreateVirtualTable(row.sql ?? '') }));
  const { shadow, notCompared } = await readShadowTables(db, virtualTables, master);

  const sqlOf = new Map(master.map((row) => [`${row.type}:${row.name}`, row.sql ?? '']));
  const columnsByTable = groupBy(
    columnRows.filter((r) => !shadow.has(r.table_name)),
    (r) => r.table_name,
  );
  const fksByTable = groupBy(fkRows, (r) => r.table_name);
  const indexesByTable = groupBy(indexRows, (r) => r.table_name);
  const indexColumns = groupBy(indexColumnRows, (r) => r.index_name);
  const triggersByTable = groupBy(
    master.filter((row) => row.type === 'trigger' && row.sql !== null),
    (r) => r.tbl_name,
  );

  const tables: Table[] = [];
  for (const [name, rows] of columnsByTable) {
    rows.sort((a, b) => a.cid - b.cid);
    const parsed = parseCreateTable(sqlOf.get(`table:${name}`) ?? '');
    tables.push(
      readTable(name, rows, parsed, fksByTable.get(name) ?? [], indexesByTable.get(name) ?? [], indexColumns, sqlOf),
    );
  }
  resolveImplicitReferences(tables);
  const triggersOn = (name: string): Trigger[] =>
    (triggersByTable.get(name) ?? []).map((row) => ({ name: row.name, definition: row.sql! })).sort((a, b) => compare(a.name, b.name));
  for (const table of tables) table.triggers = triggersOn(table.name);
  const views: View[] = master
    .filter((row) => row.type === 'view')
    // A view's quoted names are unquoted too: SQLite re-spells the names in a view it
    // rewrites for a rename (`from "squads"`), and that must equal the declared `from squads`.
    .map((row) => {
      const view: View = { schema: 'main', name: row.name, definition: printTokens(parseCreateView(row.sql ?? ''), 'all'), materialized: false };
      const triggers = triggersOn(row.name);
      if (triggers.length > 0) view.triggers = triggers;
      return view;
    });
  const schema: Schema = { dialect: 'sqlite', tables: tables.sort((a, b) => compare(a.name, b.name)), enums: [], views };
  if (virtualTables.length > 0) schema.virtualTables = virtualTables.sort((a, b) => compare(a.name, b.name));
  if (notCompared.length > 0) schema.notCompared = notCompared;
  return schema;
}

/**
 * The shadow tables of the virtual tables, which SQLite itself names (`pragma_table_list`
 * type `shadow`) when the module is loaded. When it is not, tables named `<virtual>_…`
 * are probably its shadow tables: they are left out and listed as not compared, so a fix
 * never recreates them as plain tables.
 */
async function readShadowTables(db: Queryable, virtualTables: VirtualTable[], master: MasterRow[]): Promise<{ shadow: Set<string>; notCompared: NotComparedObject[] }> {
  const shadow = new Set<string>();
  const notCompared: NotComparedObject[] = [];
  if (virtualTables.length === 0) return { shadow, notCompared };
  const names = async (sql: string) => {
    try {
      return new Set((await db.query<{ name: string }>(sql)).rows.map((r) => r.name));
    } catch {
      return new Set<string>(); // pragma_table_list is SQLite 3.37+
    }
  };
  for (const name of await names(`select name from pragma_table_list where schema = 'main' and type = 'shadow'`)) shadow.add(name);
  const modules = await names('select name from pragma_module_list');
  for (const vt of virtualTables) {
    if (modules.has(vt.module)) continue;
    const prefix = `${vt.name.toLowerCase()}_`;
    for (const row of master) {
      if (row.type !== 'table' || shadow.has(row.name) || !row.name.toLowerCase().startsWith(prefix)) continue;
      shadow.add(row.name);
      notCompared.push({ schema: 'main', name: row.name, type: 'table', reason: `probably a shadow table of virtual table ${vt.name}, whose module ${vt.module} is not loaded here` });
    }
  }
  return { shadow, notCompared };
}

function readTable(
  name: string,
  rows: ColumnRow[],
  parsed: ParsedTable,
  fkRows: ForeignKeyRow[],
  indexRows: IndexRow[],
  indexColumns: Map<string, IndexColumnRow[]>,
  sqlOf: Map<string, string>,
): Table {
  const columnNames = rows.map((r) => r.name);
  const options = [...parsed.options].sort();
  const withoutRowid = options.includes('without rowid');
  const pkRows = rows.filter((r) => r.pk > 0).sort((a, b) => a.pk - b.pk);
  const parsedColumn = (column: string) => parsed.columns.find((c) => c.name.toLowerCase() === column.toLowerCase());

  const columns: Column[] = rows.map((row) => {
    const soleKey = pkRows.length === 1 && pkRows[0] === row;
    const info = parsedColumn(row.name);
    const type = canonicalType(row.type, { soleKey });
    // An INTEGER PRIMARY KEY is the rowid and can never be NULL, and WITHOUT ROWID tables
    // enforce NOT NULL on key columns, although `notnull` says 0 for both.
    const rowidAlias = soleKey && !withoutRowid && type === 'integer';
    const generated = info?.generated ? printTokens(stripOuterParens(info.generated.expression), columnNames) + (info.generated.stored ? ' stored' : '') : null;
    const column: Column = {
      name: row.name,
      type,
      typeParts: typeParts(type),
      nullable: row.notnull === 0 && !rowidAlias && !(withoutRowid && row.pk > 0),
      default: canonicalDefault(row.dflt_value),
      identity: null,
      generated: row.hidden === 2 || row.hidden === 3 ? generated : null,
    };
    if (info?.autoincrement) column.autoincrement = true;
    const collation = info?.collation?.toLowerCase() ?? null;
    if (collation !== null && collation !== 'binary') column.collation = collation;
    return column;
  });

  const uniques: UniqueConstraint[] = [];
  const indexes: Index[] = [];
  for (const index of indexRows) {
    const keys = (indexColumns.get(index.name) ?? []).sort((a, b) => a.seqno - b.seqno);
    if (index.origin === 'pk') continue;
    if (index.origin === 'u') {
      const cols = keys.map((k) => k.name ?? '');
      const named = parsed.uniques.find((u) => sameNames(u.columns, cols));
      uniques.push({ name: named?.name ?? null, columns: cols });
      continue;
    }
    const definition = parseCreateIndex(sqlOf.get(`index:${index.name}`) ?? '');
    indexes.push({
      name: index.name,
      unique: index.unique === 1,
      keys: keys.map((k, i) => ({
        column: k.cid >= 0 ? k.name : null,
        expression: k.cid >= 0 ? null : k.cid === -1 ? 'rowid' : printTokens(stripOuterParens(definition.keys[i] ?? []), columnNames),
        descending: k.desc === 1,
      })),
      where: index.partial === 1 && definition.where ? printTokens(stripOuterParens(definition.where), columnNames) : null,
      method: 'btree',
    });
  }

  const foreignKeys: ForeignKey[] = [];
  for (const id of [...new Set(fkRows.map((r) => r.id))]) {
    const parts = fkRows.filter((r) => r.id === id).sort((a, b) => a.seq - b.seq);
    const first = parts[0]!;
    const cols = parts.map((p) => p.from);
    const named = parsed.foreignKeys.find((f) => sameNames(f.columns, cols) && f.table.toLowerCase() === first.table.toLowerCase());
    foreignKeys.push({
      name: named?.name ?? null,
      columns: cols,
      referencedSchema: 'main',
      referencedTable: first.table,
      // `to` is null when the key references the parent's primary key implicitly; filled in later.
      referencedColumns: parts.map((p) => p.to ?? ''),
      onDelete: action(first.on_delete),
      onUpdate: action(first.on_update),
    });
  }

  const checks: CheckConstraint[] = parsed.checks.map((c) => ({
    name: c.name,
    expression: printTokens(stripOuterParens(c.expression), columnNames),
  }));

  return {
    schema: 'main',
    name,
    columns,
    primaryKey: pkRows.length > 0 ? { name: null, columns: pkRows.map((r) => r.name) } : null,
    uniques: uniques.sort((a, b) => compare(keyOf(a), keyOf(b))),
    foreignKeys: foreignKeys.sort((a, b) => compare(keyOf(a), keyOf(b))),
    indexes: indexes.sort((a, b) => compare(a.name, b.name)),
    checks: checks.sort((a, b) => compare(a.name ?? '', b.name ?? '') || compare(a.expression, b.expression)),
    triggers: [],
    options,
  };
}

/** `REFERENCES parent` without columns means the parent's primary key. */
function resolveImplicitReferences(tables: Table[]): void {
  for (const table of tables) {
    for (const fk of table.foreignKeys) {
      if (fk.referencedColumns.every((c) => c !== '')) continue;
      const parent = tables.find((t) => t.name.toLowerCase() === fk.referencedTable.toLowerCase());
      if (parent?.primaryKey) fk.referencedColumns = [...parent.primaryKey.columns];
    }
    table.foreignKeys.sort((a, b) => compare(keyOf(a), keyOf(b)));
  }
}

function groupBy<R>(rows: R[], key: (row: R) => string): Map<string, R[]> {
  const map = new Map<string, R[]>();
  for (const row of rows) {
    const list = map.get(key(row));
    if (list) list.push(row);
    else map.set(key(row), [row]);
  }
  return map;
}

function action(text: string): ReferentialAction {
  const lower = text.toLowerCase();
  return (['no action', 'restrict', 'cascade', 'set null', 'set default'] as const).find((a) => a === lower) ?? 'no action';
}

function sameNames(a: string[], b: string[]): boolean {
  return a.length === b.length && a.every((x, i) => x.toLowerCase() === b[i]!.toLowerCase());
}

/** Sort key: the name, else the definition (SQLite constraints are mostly unnamed). */
function keyOf(c: { name: string | null; columns: string[]; referencedTable?: string }): string {
  return `${c.name ?? ''}\u0000${c.columns.join(',')}\u0000${c.referencedTable ?? ''}`;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
