import type { CheckConstraint, Column, EnumType, ForeignKey, Index, PrimaryKey, Schema, Table, UniqueConstraint, View } from '../../schema/model.js';
import type { SchemaChange } from '../../schema/schema-change.js';

/**
 * PostgreSQL DDL for single schema objects, and `fixFor`: the statement(s) that move the
 * live database to the expected one for one change of the diff. Every identifier is quoted;
 * objects in `public` are written unqualified, others as `"schema"."name"`.
 */

export function quotePostgresIdentifier(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

const q = quotePostgresIdentifier;

export function quoteLiteral(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

/** `"name"` in public, `"schema"."name"` elsewhere. */
export function qualify(schema: string | undefined, name: string): string {
  return !schema || schema === 'public' ? q(name) : `${q(schema)}.${q(name)}`;
}

const tableRef = (table: { schema: string; name: string }) => qualify(table.schema, table.name);
const columnList = (columns: string[]) => columns.map(q).join(', ');

const SERIAL_TYPES: Record<string, string> = { integer: 'serial', bigint: 'bigserial', smallint: 'smallserial' };
const NEXTVAL = /^nextval\('(?:[^']|'')+'::regclass\)$/;

/**
 * A column as it appears in CREATE TABLE / ADD COLUMN. A `nextval(…)` default on an integer
 * column is written as `serial` so its sequence is created with it (the default alone
 * would name a sequence that does not exist yet).
 */
export function columnDefinition(column: Column): string {
  let type = column.type;
  let tail = '';
  if (column.generated !== null) tail = ` GENERATED ALWAYS AS (${column.generated}) STORED`;
  else if (column.identity) tail = ` GENERATED ${column.identity.toUpperCase()} AS IDENTITY`;
  else if (column.default !== null && NEXTVAL.test(column.default) && SERIAL_TYPES[column.type]) type = SERIAL_TYPES[column.type]!;
  else if (column.default !== null) tail = ` DEFAULT ${column.default}`;
  return `${q(column.name)} ${type}${tail}${column.nullable || column.identity ? '' : ' NOT NULL'}`;
}

function constraintPrefix(name: string | null): string {
  return name ? `CONSTRAINT ${q(name)} ` : '';
}

export function primaryKeyClause(pk: PrimaryKey): string {
  return `${constraintPrefix(pk.name)}PRIMARY KEY (${columnList(pk.columns)})`;
}

export function uniqueClause(unique: UniqueConstraint): string {
  return `${constraintPrefix(unique.name)}UNIQUE (${columnList(unique.columns)})`;
}

export function checkClause(check: CheckConstraint): string {
  return `${constraintPrefix(check.name)}CHECK (${check.expression})`;
}

export function foreignKeyClause(fk: ForeignKey): string {
  let sql = `${constraintPrefix(fk.name)}FOREIGN KEY (${columnList(fk.columns)}) REFERENCES ${qualify(fk.referencedSchema, fk.referencedTable)} (${columnList(fk.referencedColumns)})`;
  if (fk.onDelete !== 'no action') sql += ` ON DELETE ${fk.onDelete.toUpperCase()}`;
  if (fk.onUpdate !== 'no action') sql += ` ON UPDATE ${fk.onUpdate.toUpperCase()}`;
  return sql;
}

/** CREATE TABLE with columns, primary key, uniques and checks; foreign keys are added separately so cycles work. */
export function createTableSql(table: Table): string {
  const lines = table.columns.map(columnDefinition);
  if (table.primaryKey) lines.push(primaryKeyClause(table.primaryKey));
  for (const unique of table.uniques) lines.push(uniqueClause(unique));
  for (const check of table.checks) lines.push(checkClause(check));
  return `CREATE TABLE ${tableRef(table)} (\n${lines.map((line) => `  ${line}`).join(',\n')}\n);`;
}

export function dropTableSql(table: { schema: string; name: string }): string {
  return `DROP TABLE ${tableRef(table)};`;
}

export function alterTable(table: { schema: string; name: string }, action: string): string {
  return `ALTER TABLE ${tableRef(table)} ${action};`;
}

export function addConstraintSql(table: { schema: string; name: string }, clause: string): string {
  return alterTable(table, `ADD ${clause}`);
}

export function dropConstraintSql(table: { schema: string; name: string }, name: string): string {
  return alterTable(table, `DROP CONSTRAINT ${q(name)}`);
}

export function createIndexSql(table: { schema: string; name: string }, index: Index): string {
  const keys = index.keys.map((key) => `${key.column !== null ? q(key.column) : `(${key.expression})`}${key.descending ? ' DESC' : ''}`);
  const using = index.method === 'btree' ? '' : ` USING ${index.method}`;
  const where = index.where ? ` WHERE ${index.where}` : '';
  return `CREATE ${index.unique ? 'UNIQUE ' : ''}INDEX ${q(index.name)} ON ${tableRef(table)}${using} (${keys.join(', ')})${where};`;
}

export function dropIndexSql(table: { schema: string }, index: { name: string }): string {
  return `DROP INDEX ${qualify(table.schema, index.name)};`;
}

export function createEnumSql(type: EnumType): string {
  return `CREATE TYPE ${qualify(type.schema, type.name)} AS ENUM (${type.values.map(quoteLiteral).join(', ')});`;
}

export function dropEnumSql(type: { schema: string; name: string }): string {
  return `DROP TYPE ${qualify(type.schema, type.name)};`;
}

export function createViewSql(view: View, orReplace = false): string {
  const kind = view.materialized ? 'MATERIALIZED VIEW' : `${orReplace ? 'OR REPLACE ' : ''}VIEW`;
  return `CREATE ${kind} ${qualify(view.schema, view.name)} AS ${view.definition};`;
}

export function dropViewSql(view: View): string {
  return `DROP ${view.materialized ? 'MATERIALIZED VIEW' : 'VIEW'} ${qualify(view.schema, view.name)};`;
}

/** Type change with an explicit cast, so conversions PostgreSQL will not do implicitly (text → integer) still run. */
export function alterColumnTypeSql(table: { schema: string; name: string }, column: string, type: string): string {
  return alterTable(table, `ALTER COLUMN ${q(column)} TYPE ${type} USING ${q(column)}::${type}`);
}

export function setNullableSql(table: { schema: string; name: string }, column: string, nullable: boolean): string {
  return alterTable(table, `ALTER COLUMN ${q(column)} ${nullable ? 'DROP' : 'SET'} NOT NULL`);
}

const IDENTITY = /^generated (always|by default) as identity$/i;
const GENERATED = /^generated always as \(([\s\S]*)\) stored$/i;

/**
 * Statements that change a column's default from `actual` to `expected`. Both are the
 * diff's "effective default": a plain expression, `generated … as identity`, or
 * `generated always as (…) stored`. Returns null when only a column rebuild would do
 * (a new generation expression): the caller knows the column.
 */
export function alterDefaultSql(table: { schema: string; name: string }, column: string, expected: string | null, actual: string | null): string[] | null {
  const col = q(column);
  const out: string[] = [];
  const wantIdentity = expected ? IDENTITY.exec(expected) : null;
  const haveIdentity = actual ? IDENTITY.exec(actual) : null;
  const wantGenerated = expected ? GENERATED.exec(expected) : null;
  const haveGenerated = actual ? GENERATED.exec(actual) : null;
  if (wantGenerated) return null;
  if (haveGenerated) out.push(alterTable(table, `ALTER COLUMN ${col} DROP EXPRESSION`));
  if (wantIdentity) {
    if (haveIdentity) return [alterTable(table, `ALTER COLUMN ${col} SET GENERATED ${wantIdentity[1]!.toUpperCase()}`)];
    if (actual !== null && !haveGenerated) out.push(alterTable(table, `ALTER COLUMN ${col} DROP DEFAULT`));
    out.push(alterTable(table, `ALTER COLUMN ${col} ADD GENERATED ${wantIdentity[1]!.toUpperCase()} AS IDENTITY`));
    return out;
  }
  if (haveIdentity) out.push(alterTable(table, `ALTER COLUMN ${col} DROP IDENTITY`));
  if (expected !== null) out.push(alterTable(table, `ALTER COLUMN ${col} SET DEFAULT ${expected}`));
  else if (!haveIdentity && !haveGenerated) out.push(alterTable(table, `ALTER COLUMN ${col} DROP DEFAULT`));
  return out;
}

/**
 * The statements that add the values of `to` missing from `from` with `ALTER TYPE … ADD
 * VALUE`, or null when values were removed or reordered (then the type must be recreated).
 * PostgreSQL 12+ runs ADD VALUE inside a transaction, but a new value cannot be used
 * before that transaction commits.
 */
export function addEnumValuesSql(from: EnumType, to: EnumType): string[] | null {
  const kept = to.values.filter((v) => from.values.includes(v));
  if (kept.length !== from.values.length || kept.some((v, i) => v !== from.values[i])) return null;
  const out: string[] = [];
  to.values.forEach((value, i) => {
    if (from.values.includes(value)) return;
    const position = i > 0 ? ` AFTER ${quoteLiteral(to.values[i - 1]!)}` : to.values.length > 1 ? ` BEFORE ${quoteLiteral(to.values[1]!)}` : '';
    out.push(`ALTER TYPE ${qualify(to.schema, to.name)} ADD VALUE ${quoteLiteral(value)}${position};`);
  });
  return out;
}

/** The spelling of an enum in column types: unqualified in public (as the introspector prints it). */
export function enumTypeName(type: { schema: string; name: string }): string {
  return type.schema === 'public' ? quoteIfNeeded(type.name) : `${quoteIfNeeded(type.schema)}.${quoteIfNeeded(type.name)}`;
}

function quoteIfNeeded(name: string): string {
  return /^[a-z_][a-z0-9_$]*$/.test(name) ? name : q(name);
}

/** Columns of `schema` whose type is `type` or an array of it. */
export function columnsOfType(schema: Schema, type: { schema: string; name: string }): Array<{ table: Table; column: Column; array: boolean }> {
  const spelled = enumTypeName(type);
  const out: Array<{ table: Table; column: Column; array: boolean }> = [];
  for (const table of schema.tables) {
    for (const column of table.columns) {
      if (column.typeParts.base === spelled) out.push({ table, column, array: column.typeParts.arrayDimensions > 0 });
    }
  }
  return out;
}

/**
 * Recreates an enum whose values were removed or reordered: rename the old type, create
 * the new one, move every column over through text (`before`), and, once no column uses
 * it any more, drop the old type (`dropOld`). Rows holding a removed value make the cast
 * fail, which is the right outcome: the data must move first.
 */
export function recreateEnumSql(
  to: EnumType,
  columns: Array<{ table: Table; column: Column; array: boolean; newDefault: string | null }>,
): { before: string[]; dropOld: string } {
  const oldName = `${to.name}__lockstep_old`;
  const spelled = enumTypeName(to);
  const before = [`ALTER TYPE ${qualify(to.schema, to.name)} RENAME TO ${q(oldName)};`, createEnumSql(to)];
  for (const { table, column, array, newDefault } of columns) {
    const col = q(column.name);
    if (column.default !== null) before.push(alterTable(table, `ALTER COLUMN ${col} DROP DEFAULT`));
    const type = `${spelled}${array ? '[]' : ''}`;
    before.push(alterTable(table, `ALTER COLUMN ${col} TYPE ${type} USING ${col}::text${array ? '[]' : ''}::${type}`));
    if (newDefault !== null) before.push(alterTable(table, `ALTER COLUMN ${col} SET DEFAULT ${newDefault}`));
  }
  return { before, dropOld: `DROP TYPE ${qualify(to.schema, oldName)};` };
}

/**
 * One fix for one change of `diffSchemas(expected, actual)`: the statement(s) that bring
 * the actual database to the expected one. Several statements are joined by newlines.
 * undefined when no statement can express it.
 *
 * @example
 * fixForPostgres({ kind: 'column.nullable', table: 'users', column: 'email', expected: false, actual: true, message: '' }, expected, actual)
 * // → 'ALTER TABLE "users" ALTER COLUMN "email" SET NOT NULL;'
 */
export function fixForPostgres(change: SchemaChange, expected: Schema, actual: Schema): string | undefined {
  const statements = fixStatements(change, expected, actual);
  return statements && statements.length > 0 ? statements.join('\n') : undefined;
}

function fixStatements(change: SchemaChange, expectedSchema: Schema, actualSchema: Schema): string[] | null {
  const table = { schema: change.schema ?? 'public', name: change.table };
  const e = change.expected as never;
  const a = change.actual as never;
  const column = change.column ?? '';
  switch (change.kind) {
    case 'table.missing': {
      const t = e as Table;
      return [createTableSql(t), ...t.foreignKeys.map((fk) => addConstraintSql(t, foreignKeyClause(fk))), ...t.indexes.map((i) => createIndexSql(t, i))];
    }
    case 'table.extra':
      return [dropTableSql(table)];
    case 'column.missing':
      return [alterTable(table, `ADD COLUMN ${columnDefinition(e as Column)}`)];
    case 'column.extra':
      return [alterTable(table, `DROP COLUMN ${q(column)}`)];
    case 'column.type':
      return [alterColumnTypeSql(table, column, e as string)];
    case 'column.nullable':
      return [setNullableSql(table, column, e as boolean)];
    case 'column.default': {
      const sql = alterDefaultSql(table, column, e as string | null, a as string | null);
      if (sql) return sql;
      const wanted = findColumn(expectedSchema, table, column);
      return wanted ? [alterTable(table, `DROP COLUMN ${q(column)}, ADD COLUMN ${columnDefinition(wanted)}`)] : null;
    }
    case 'pk.mismatch': {
      const want = e as PrimaryKey | null;
      const have = a as PrimaryKey | null;
      const out: string[] = [];
      if (have) out.push(dropConstraintSql(table, have.name ?? `${table.name}_pkey`));
      if (want) out.push(addConstraintSql(table, primaryKeyClause(want)));
      return out;
    }
    case 'fk.missing':
      return [addConstraintSql(table, foreignKeyClause(e as ForeignKey))];
    case 'fk.extra':
      return namedDrop(table, a as ForeignKey);
    case 'fk.mismatch': {
      const want = e as ForeignKey;
      const have = a as ForeignKey;
      if (have.name && want.name && have.name !== want.name && sameForeignKey(want, have)) {
        return [alterTable(table, `RENAME CONSTRAINT ${q(have.name)} TO ${q(want.name)}`)];
      }
      const drop = namedDrop(table, have);
      return drop ? [...drop, addConstraintSql(table, foreignKeyClause(want))] : null;
    }
    case 'unique.missing':
      return [addConstraintSql(table, uniqueClause(e as UniqueConstraint))];
    case 'unique.extra':
      return namedDrop(table, a as UniqueConstraint);
    case 'check.missing':
      return [addConstraintSql(table, checkClause(e as CheckConstraint))];
    case 'check.extra':
      return namedDrop(table, a as CheckConstraint);
    case 'index.missing':
      return [createIndexSql(table, e as Index)];
    case 'index.extra':
      return [dropIndexSql(table, a as Index)];
    case 'index.mismatch':
      return [dropIndexSql(table, a as Index), createIndexSql(table, e as Index)];
    case 'enum.missing':
      return [createEnumSql(e as EnumType)];
    case 'enum.extra':
      return [dropEnumSql(a as EnumType)];
    case 'enum.values': {
      const want = e as EnumType;
      const have = a as EnumType;
      const added = addEnumValuesSql(have, want);
      if (added) return added;
      const columns = columnsOfType(actualSchema, have).map((c) => ({
        ...c,
        newDefault: findColumn(expectedSchema, c.table, c.column.name)?.default ?? null,
      }));
      const recreate = recreateEnumSql(want, columns);
      return [...recreate.before, recreate.dropOld];
    }
    case 'view.missing':
      return [createViewSql(e as View)];
    case 'view.extra':
      return [dropViewSql(a as View)];
    case 'view.definition': {
      const want = e as View;
      const have = a as View;
      if (!want.materialized && !have.materialized) return [createViewSql(want, true)];
      return [dropViewSql(have), createViewSql(want)];
    }
  }
  return null;
}

function namedDrop(table: { schema: string; name: string }, constraint: { name: string | null }): string[] | null {
  return constraint.name ? [dropConstraintSql(table, constraint.name)] : null;
}

export function sameForeignKey(a: ForeignKey, b: ForeignKey): boolean {
  return (
    a.columns.join() === b.columns.join() &&
    a.referencedSchema === b.referencedSchema &&
    a.referencedTable === b.referencedTable &&
    a.referencedColumns.join() === b.referencedColumns.join() &&
    a.onDelete === b.onDelete &&
    a.onUpdate === b.onUpdate
  );
}

function findColumn(schema: Schema, table: { schema: string; name: string }, column: string): Column | undefined {
  return schema.tables.find((t) => t.schema === table.schema && t.name === table.name)?.columns.find((c) => c.name === column);
}
