import type { CheckConstraint, Column, DefaultPrivilege, Deferrable, EnumType, ExclusionConstraint, Partition, ForeignKey, Grant, Index, PrimaryKey, Schema, Sequence, Table, UniqueConstraint, View } from '../../core/model.js';

/**
 * PostgreSQL DDL for single schema objects, shared by the migration planner
 * (`postgres-plan.ts`) and the fixes `check` prints (`postgres-fix.ts`). Every identifier
 * is quoted; objects in `public` are written unqualified, others as `"schema"."name"`.
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
 * would name a sequence that does not exist yet), unless `sequences` (the schema's) says
 * the sequence stands alone: then it is created before the table and the default names it.
 */
export function columnDefinition(column: Column, sequences?: Sequence[]): string {
  let type = column.type;
  let tail = '';
  if (column.generated !== null) tail = ` GENERATED ALWAYS AS (${column.generated}) STORED`;
  else if (column.identity) tail = ` GENERATED ${column.identity.toUpperCase()} AS IDENTITY`;
  else if (column.default !== null && NEXTVAL.test(column.default) && SERIAL_TYPES[column.type] && !standaloneSequence(column.default, sequences)) type = SERIAL_TYPES[column.type]!;
  else if (column.default !== null) tail = ` DEFAULT ${column.default}`;
  const collate = column.collation ? ` COLLATE ${column.collation}` : '';
  return `${q(column.name)} ${type}${collate}${tail}${column.nullable || column.identity ? '' : ' NOT NULL'}`;
}

/** True when the sequence `nextval(…)` names is one of `sequences` that no column owns. */
function standaloneSequence(nextval: string, sequences: Sequence[] | undefined): boolean {
  const named = /^nextval\('((?:[^']|'')+)'::regclass\)$/.exec(nextval)?.[1]?.replace(/''/g, "'");
  if (!named || !sequences) return false;
  const parts = (named.match(/"(?:[^"]|"")*"|[^."]+/g) ?? [named]).map((p) => (p.startsWith('"') ? p.slice(1, -1).replace(/""/g, '"') : p));
  const name = parts.at(-1)!;
  const schema = parts.length > 1 ? parts[0] : undefined;
  return sequences.some((s) => s.name === name && (schema === undefined || s.schema === schema) && s.ownedBy === null);
}

function constraintPrefix(name: string | null): string {
  return name ? `CONSTRAINT ${q(name)} ` : '';
}

/** ` DEFERRABLE INITIALLY DEFERRED`, or nothing for a constraint that is not deferrable. */
export function deferrableClause(deferrable: Deferrable | null | undefined): string {
  return deferrable ? ` DEFERRABLE INITIALLY ${deferrable.toUpperCase()}` : '';
}

export function primaryKeyClause(pk: PrimaryKey): string {
  return `${constraintPrefix(pk.name)}PRIMARY KEY (${columnList(pk.columns)})${deferrableClause(pk.deferrable)}`;
}

export function uniqueClause(unique: UniqueConstraint): string {
  return `${constraintPrefix(unique.name)}UNIQUE${unique.nullsNotDistinct ? ' NULLS NOT DISTINCT' : ''} (${columnList(unique.columns)})${deferrableClause(unique.deferrable)}`;
}

export function checkClause(check: CheckConstraint): string {
  return `${constraintPrefix(check.name)}CHECK (${check.expression})`;
}

export function foreignKeyClause(fk: ForeignKey): string {
  let sql = `${constraintPrefix(fk.name)}FOREIGN KEY (${columnList(fk.columns)}) REFERENCES ${qualify(fk.referencedSchema, fk.referencedTable)} (${columnList(fk.referencedColumns)})`;
  if (fk.onDelete !== 'no action') sql += ` ON DELETE ${fk.onDelete.toUpperCase()}`;
  if (fk.onUpdate !== 'no action') sql += ` ON UPDATE ${fk.onUpdate.toUpperCase()}`;
  return sql + deferrableClause(fk.deferrable);
}

/** CREATE TABLE with columns, primary key, uniques and checks; foreign keys are added separately so cycles work. */
export function createTableSql(table: Table, sequences?: Sequence[]): string {
  const lines = table.columns.map((column) => columnDefinition(column, sequences));
  if (table.primaryKey) lines.push(primaryKeyClause(table.primaryKey));
  for (const unique of table.uniques) lines.push(uniqueClause(unique));
  for (const check of table.checks) lines.push(checkClause(check));
  for (const x of table.exclusions ?? []) lines.push(exclusionClause(x));
  const unlogged = table.options?.includes('unlogged') ? 'UNLOGGED ' : '';
  const partitionBy = table.partitioning ? ` PARTITION BY ${table.partitioning.key}` : '';
  return `CREATE ${unlogged}TABLE ${tableRef(table)} (\n${lines.map((line) => `  ${line}`).join(',\n')}\n)${partitionBy};`;
}

/** `COMMENT ON TABLE …` or, with `column`, `COMMENT ON COLUMN …`; null removes it. */
export function commentSql(table: { schema: string; name: string }, column: string | undefined, comment: string | null): string {
  const target = column === undefined ? `TABLE ${tableRef(table)}` : `COLUMN ${tableRef(table)}.${q(column)}`;
  return `COMMENT ON ${target} IS ${comment === null ? 'NULL' : quoteLiteral(comment)};`;
}

/** `GRANT privilege [(column)] ON TABLE|SEQUENCE|SCHEMA|FUNCTION|PROCEDURE|TYPE … TO role [WITH GRANT OPTION];` (views take `ON TABLE`). */
export function grantSql(g: Grant): string {
  return `GRANT ${privilegeOn(g)} TO ${granteeSql(g.grantee)}${g.grantable ? ' WITH GRANT OPTION' : ''};`;
}

/** `REVOKE privilege [(column)] ON … FROM role;`, or with `optionOnly` `REVOKE GRANT OPTION FOR …` (the privilege stays). */
export function revokeSql(g: Grant, optionOnly = false): string {
  return `REVOKE ${optionOnly ? 'GRANT OPTION FOR ' : ''}${privilegeOn(g)} FROM ${granteeSql(g.grantee)};`;
}

/** The `GRANT`, after a comment when the role does not exist on the server (the statement fails until it is created). */
export function grantFixSql(g: Grant, actual: Schema): string[] {
  // A schema that holds nothing is not in the model: made here if the live side shows no sign of it.
  const schema = g.objectType === 'schema' && !namespacesOf(actual).has(g.name) ? [`CREATE SCHEMA IF NOT EXISTS ${q(g.name)};`] : [];
  return [...missingRoleComments(actual, [g.grantee]), ...schema, grantSql(g)];
}

/** The schemas `schema` has an object or a schema privilege in. */
function namespacesOf(schema: Schema): Set<string> {
  const all = [schema.tables, schema.enums, schema.views, schema.functions ?? [], schema.sequences ?? [], schema.domains ?? [], schema.compositeTypes ?? []].flat();
  return new Set([...all.map((o) => o.schema), ...(schema.grants ?? []).filter((g) => g.objectType === 'schema').map((g) => g.name)]);
}

/** `-- role "reporting" does not exist on this server: create it first (…)` for each of `roles` the server lacks. */
function missingRoleComments(actual: Schema, roles: Array<string | null>): string[] {
  return roles
    .filter((role): role is string => role !== null && role !== 'PUBLIC' && actual.roles !== undefined && !actual.roles.includes(role))
    .map((role) => `-- role ${JSON.stringify(role.replace(/[\r\n]+/g, ' '))} does not exist on this server: create it first (CREATE ROLE ${q(role)} …)`);
}

/**
 * `ALTER DEFAULT PRIVILEGES [FOR ROLE …] [IN SCHEMA …] GRANT … ON TABLES TO …;`, or the
 * `REVOKE` (`grant` false). For a revoked built-in default the two swap: making it
 * missing revokes it, making it extra gives it back.
 */
export function defaultPrivilegeSql(d: DefaultPrivilege, grant: boolean): string {
  if (!/^[A-Z]+$/.test(d.privilege)) throw new Error(`not a privilege: ${JSON.stringify(d.privilege)} (expected a keyword such as SELECT)`);
  const scope = `ALTER DEFAULT PRIVILEGES${d.role !== null ? ` FOR ROLE ${q(d.role)}` : ''}${d.schema !== null ? ` IN SCHEMA ${q(d.schema)}` : ''}`;
  const objects = d.objectType.toUpperCase();
  return grant
    ? `${scope} GRANT ${d.privilege} ON ${objects} TO ${granteeSql(d.grantee)}${d.grantable ? ' WITH GRANT OPTION' : ''};`
    : `${scope} REVOKE ${d.privilege} ON ${objects} FROM ${granteeSql(d.grantee)};`;
}

/** The fix of a `default-privilege.missing` (`missing`) or `.extra` change, after a comment for each role the server lacks. */
export function defaultPrivilegeFixSql(d: DefaultPrivilege, missing: boolean, actual: Schema): string[] {
  const grant = missing !== (d.revoked === true);
  return [...(missing ? missingRoleComments(actual, [d.role, d.grantee]) : []), defaultPrivilegeSql(d, grant)];
}

/** The `REVOKE`; only the grant option when the expected schema grants the privilege without it. */
export function revokeFixSql(g: Grant, expected: Schema): string {
  const optionOnly =
    g.grantable &&
    (expected.grants ?? []).some((w) => !w.grantable && w.objectType === g.objectType && w.schema === g.schema && w.name === g.name && w.column === g.column && w.arguments === g.arguments && w.grantee === g.grantee && w.privilege === g.privilege);
  return revokeSql(g, optionOnly);
}

function privilegeOn(g: Grant): string {
  // Read from the catalog (or a snapshot): a keyword, never written into SQL otherwise.
  if (!/^[A-Z]+$/.test(g.privilege)) throw new Error(`not a privilege: ${JSON.stringify(g.privilege)} (expected a keyword such as SELECT)`);
  const column = g.column !== undefined ? ` (${q(g.column)})` : '';
  switch (g.objectType) {
    case 'schema':
      return `${g.privilege} ON SCHEMA ${q(g.name)}`;
    case 'function':
    case 'procedure':
      // The arguments as the server printed them (pg_get_function_identity_arguments), like DROP FUNCTION's.
      return `${g.privilege} ON ${g.objectType.toUpperCase()} ${tableRef(g)}(${g.arguments ?? ''})`;
    case 'type':
      return `${g.privilege} ON TYPE ${tableRef(g)}`;
    case 'sequence':
      return `${g.privilege}${column} ON SEQUENCE ${tableRef(g)}`;
    default:
      return `${g.privilege}${column} ON TABLE ${tableRef(g)}`;
  }
}

function granteeSql(grantee: string): string {
  return grantee === 'PUBLIC' ? 'PUBLIC' : q(grantee);
}

/** The comments of a table and its columns, for a table created from the model. */
export function tableCommentsSql(table: Table): string[] {
  return [
    ...(table.comment ? [commentSql(table, undefined, table.comment)] : []),
    ...table.columns.filter((c) => c.comment).map((c) => commentSql(table, c.name, c.comment!)),
  ];
}

/** `CREATE TABLE part PARTITION OF parent FOR VALUES …`: the partition takes the parent's columns, keys and indexes. */
export function createPartitionSql(parent: { schema: string; name: string }, part: Partition): string {
  return `CREATE TABLE ${tableRef(part)} PARTITION OF ${tableRef(parent)} ${part.bound};`;
}

export function attachPartitionSql(parent: { schema: string; name: string }, part: Partition): string {
  return alterTable(parent, `ATTACH PARTITION ${tableRef(part)} ${part.bound}`);
}

export function detachPartitionSql(parent: { schema: string; name: string }, part: { schema: string; name: string }): string {
  return alterTable(parent, `DETACH PARTITION ${tableRef(part)}`);
}

/** DROP TABLE of a partition, under the data-loss warning that marks the fix destructive. */
export function dropPartitionSql(parent: { schema: string; name: string }, part: Partition): string {
  return `-- WARNING: data loss: drops partition ${tableRef(part)} of ${tableRef(parent)} and its rows (${detachPartitionSql(parent, part).replace(/;$/, '')} keeps them as a table of its own)\nDROP TABLE ${tableRef(part)};`;
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
  const keys = index.keys.map(
    (key) => `${key.column !== null ? q(key.column) : `(${key.expression})`}${key.opclass ? ` ${key.opclass}` : ''}${key.descending ? ' DESC' : ''}${key.nulls ? ` NULLS ${key.nulls.toUpperCase()}` : ''}`,
  );
  const using = index.method === 'btree' ? '' : ` USING ${index.method}`;
  const include = index.include?.length ? ` INCLUDE (${columnList(index.include)})` : '';
  const distinct = index.nullsNotDistinct ? ' NULLS NOT DISTINCT' : '';
  const where = index.where ? ` WHERE ${index.where}` : '';
  return `CREATE ${index.unique ? 'UNIQUE ' : ''}INDEX ${q(index.name)} ON ${tableRef(table)}${using} (${keys.join(', ')})${include}${distinct}${where};`;
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

/** A view, and a materialized view's indexes with it (dropping it dropped them). */
export function createViewStatements(view: View, orReplace = false): string[] {
  return [createViewSql(view, orReplace), ...(view.materialized ? (view.indexes ?? []).map((index) => createIndexSql(view, index)) : [])];
}

export function dropViewSql(view: View): string {
  return `DROP ${view.materialized ? 'MATERIALIZED VIEW' : 'VIEW'} ${qualify(view.schema, view.name)};`;
}

/** Type change with an explicit cast, so conversions PostgreSQL will not do implicitly (text → integer) still run. */
/**
 * ALTER COLUMN … TYPE resets the collation to the type's default unless one is given:
 * `collation` is the column's (null or absent: the default).
 */
export function alterColumnTypeSql(table: { schema: string; name: string }, column: string, type: string, collation?: string | null): string {
  const collate = collation ? ` COLLATE ${collation}` : '';
  return alterTable(table, `ALTER COLUMN ${q(column)} TYPE ${type}${collate} USING ${q(column)}::${type}`);
}

/** A column's collation back to `collation` (null: the type's default), its type unchanged. */
export function alterColumnCollationSql(table: { schema: string; name: string }, column: string, type: string, collation: string | null): string {
  return alterTable(table, `ALTER COLUMN ${q(column)} TYPE ${type} COLLATE ${collation ?? '"default"'}`);
}

/** `CONSTRAINT "name" EXCLUDE USING gist (…)`. */
export function exclusionClause(x: ExclusionConstraint): string {
  return `${constraintPrefix(x.name)}${x.definition}`;
}

/** `ALTER TABLE … SET UNLOGGED` or `SET LOGGED`. */
export function setLoggedSql(table: { schema: string; name: string }, unlogged: boolean): string {
  return alterTable(table, unlogged ? 'SET UNLOGGED' : 'SET LOGGED');
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
    // A new identity counts from 1; the rows already there would collide with it.
    out.push(`SELECT setval(pg_get_serial_sequence(${quoteLiteral(tableRef(table))}, ${quoteLiteral(column)}), greatest(max(${col}), 0) + 1, false) FROM ${tableRef(table)};`);
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
