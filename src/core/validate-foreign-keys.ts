/**
 * Checks every foreign key of a schema the way PostgreSQL would, on both dialects: SQLite
 * accepts a reference to a table that does not exist (and only fails when a row is
 * written with `foreign_keys` on), so an expected schema is validated here instead.
 *
 * Whether two column types may be joined by a key is dialect knowledge, passed in as
 * `typesCompatible` (`Dialect.typesCompatible`: same type family on PostgreSQL, same
 * column affinity on SQLite; documented in docs/check.md).
 *
 * Pure: no database, no dialect imports.
 */
import type { Column, ForeignKey, Schema, Table } from './model.js';

/** Whether a foreign key column `from` may reference key column `to` (`Dialect.typesCompatible`). */
export type TypesCompatible = (from: Column, to: Column) => boolean;

export interface ForeignKeyProblem {
  /** Namespace of the referencing table, omitted for public/main. */
  schema?: string;
  table: string;
  columns: string[];
  foreignKey: ForeignKey;
  kind: 'missing-table' | 'missing-column' | 'not-unique' | 'type-mismatch' | 'column-count';
  /** e.g. `content_requests.organization_id references organizations(organization_id), but no table organizations is defined` */
  message: string;
}

/**
 * Every problem with the foreign keys of `schema`, in table order.
 *
 * @example
 * for (const p of validateForeignKeys(expected, getDialect(expected.dialect).typesCompatible)) console.error(p.message);
 */
export function validateForeignKeys(schema: Schema, typesCompatible: TypesCompatible): ForeignKeyProblem[] {
  const tables = new Map(schema.tables.map((t) => [`${t.schema}\u0000${t.name}`, t]));
  const problems: ForeignKeyProblem[] = [];
  for (const table of schema.tables) {
    for (const fk of table.foreignKeys) {
      const problem = checkForeignKey(table, fk, tables.get(`${fk.referencedSchema}\u0000${fk.referencedTable}`), typesCompatible);
      if (problem) problems.push(problem);
    }
  }
  return problems;
}

function checkForeignKey(table: Table, fk: ForeignKey, target: Table | undefined, typesCompatible: TypesCompatible): ForeignKeyProblem | undefined {
  const source = fk.columns.length === 1 ? `${qualified(table.schema, table.name)}.${fk.columns[0]}` : `${qualified(table.schema, table.name)}(${fk.columns.join(', ')})`;
  const targetName = qualified(fk.referencedSchema, fk.referencedTable);
  // SQLite allows `references parent` without columns: the parent's primary key.
  const referenced = fk.referencedColumns.length > 0 ? fk.referencedColumns : (target?.primaryKey?.columns ?? []);
  const reference = `${source} references ${targetName}(${referenced.join(', ')})`;
  const problem = (kind: ForeignKeyProblem['kind'], message: string): ForeignKeyProblem => ({
    ...(table.schema === 'public' || table.schema === 'main' ? {} : { schema: table.schema }),
    table: table.name,
    columns: fk.columns,
    foreignKey: fk,
    kind,
    message,
  });

  if (!target) return problem('missing-table', `${reference}, but no table ${targetName} is defined`);
  if (referenced.length === 0) return problem('not-unique', `${source} references ${targetName}, but ${targetName} has no primary key to refer to`);
  if (referenced.length !== fk.columns.length) {
    return problem('column-count', `${reference}: ${fk.columns.length} column${fk.columns.length === 1 ? '' : 's'} cannot reference ${referenced.length}`);
  }
  const absent = referenced.filter((c) => !target.columns.some((col) => col.name === c));
  if (absent.length > 0) {
    return problem('missing-column', `${reference}, but ${targetName} has no column ${absent.join(', ')}`);
  }
  if (!isUniqueKey(target, referenced)) {
    return problem('not-unique', `${reference}, but ${targetName}(${referenced.join(', ')}) is neither its primary key nor unique`);
  }
  for (let i = 0; i < fk.columns.length; i++) {
    const from = table.columns.find((c) => c.name === fk.columns[i]);
    const to = target.columns.find((c) => c.name === referenced[i])!;
    if (!from) return problem('missing-column', `${reference}, but ${qualified(table.schema, table.name)} has no column ${fk.columns[i]}`);
    if (!typesCompatible(from, to)) {
      return problem('type-mismatch', `${reference}, but ${qualified(table.schema, table.name)}.${from.name} is ${from.type} and ${targetName}.${to.name} is ${to.type}`);
    }
  }
  return undefined;
}

/** The primary key, a unique constraint or a full unique index over exactly these columns (any order). */
function isUniqueKey(table: Table, columns: string[]): boolean {
  const key = [...columns].sort().join('\u0000');
  const same = (cols: string[]) => [...cols].sort().join('\u0000') === key;
  if (table.primaryKey && same(table.primaryKey.columns)) return true;
  if (table.uniques.some((u) => same(u.columns))) return true;
  return table.indexes.some((i) => i.unique && i.where === null && i.keys.every((k) => k.column !== null) && same(i.keys.map((k) => k.column!)));
}

function qualified(schema: string, name: string): string {
  return schema === 'public' || schema === 'main' ? name : `${schema}.${name}`;
}
