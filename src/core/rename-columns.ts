import type { Schema, Table } from './model.js';

/** A column renamed in place: `table.from` is now `table.to`. */
export interface ColumnRename {
  table: string;
  from: string;
  to: string;
}

/**
 * `schema` with columns renamed everywhere they appear: the column itself, the primary
 * key, unique constraints, index keys, and foreign keys on both ends. Pure.
 *
 * @example
 * renameColumns(schema, [{ table: 'customers', from: 'name', to: 'full_name' }]);
 */
export function renameColumns(schema: Schema, renames: readonly ColumnRename[]): Schema {
  if (renames.length === 0) return schema;
  const byTable = new Map<string, Map<string, string>>();
  for (const r of renames) {
    let columns = byTable.get(r.table);
    if (!columns) byTable.set(r.table, (columns = new Map()));
    columns.set(r.from, r.to);
  }
  const renameIn = (table: string) => (column: string) => byTable.get(table)?.get(column) ?? column;
  return {
    ...schema,
    tables: schema.tables.map((table): Table => {
      const name = renameIn(table.name);
      return {
        ...table,
        columns: table.columns.map((c) => ({ ...c, name: name(c.name) })),
        primaryKey: table.primaryKey && { ...table.primaryKey, columns: table.primaryKey.columns.map(name) },
        uniques: table.uniques.map((u) => ({ ...u, columns: u.columns.map(name) })),
        indexes: table.indexes.map((i) => ({ ...i, keys: i.keys.map((k) => (k.column === null ? k : { ...k, column: name(k.column) })) })),
        foreignKeys: table.foreignKeys.map((fk) => ({ ...fk, columns: fk.columns.map(name), referencedColumns: fk.referencedColumns.map(renameIn(fk.referencedTable)) })),
      };
    }),
  };
}
