import type { Column, CompositeType, Domain, Extension, Partition, Policy, RowSecurity, SchemaFunction, Sequence, Table, Trigger } from '../../core/model.js';
import { normalizeExpression } from '../../core/normalize-sql.js';
import { addConstraintSql, alterTable, checkClause, createIndexSql, enumTypeName, foreignKeyClause, qualify, quotePostgresIdentifier as q, uniqueClause } from './postgres-ddl.js';

/**
 * PostgreSQL DDL for the objects beside tables and columns: triggers, row-level security
 * and policies, functions and procedures, sequences, extensions, domains. Shared by the migration planner and
 * the `check` fixes, like `postgres-ddl.ts`.
 */

type TableRef = { schema: string; name: string };

/** The trigger as the server printed it, then its state when it is not plain ENABLE. */
export function createTriggerSql(table: TableRef, trigger: Trigger): string[] {
  const out = [`${trigger.definition.trim().replace(/;$/, '')};`];
  if (trigger.enabled && trigger.enabled !== 'origin') out.push(triggerStateSql(table, trigger.name, trigger.enabled));
  return out;
}

export function dropTriggerSql(table: TableRef, trigger: { name: string }): string {
  return `DROP TRIGGER ${q(trigger.name)} ON ${qualify(table.schema, table.name)};`;
}

/** `ALTER TABLE … ENABLE [ALWAYS | REPLICA] | DISABLE TRIGGER`. */
export function triggerStateSql(table: TableRef, name: string, state: NonNullable<Trigger['enabled']>): string {
  const action = state === 'disabled' ? 'DISABLE' : state === 'origin' ? 'ENABLE' : `ENABLE ${state.toUpperCase()}`;
  return alterTable(table, `${action} TRIGGER ${q(name)}`);
}

export function rowSecuritySql(table: TableRef, want: RowSecurity, have: RowSecurity = { enabled: false, forced: false }): string[] {
  const out: string[] = [];
  if (want.enabled !== have.enabled) out.push(alterTable(table, `${want.enabled ? 'ENABLE' : 'DISABLE'} ROW LEVEL SECURITY`));
  if (want.forced !== have.forced) out.push(alterTable(table, `${want.forced ? 'FORCE' : 'NO FORCE'} ROW LEVEL SECURITY`));
  return out;
}

export function createPolicySql(table: TableRef, policy: Policy): string {
  const roles = policy.roles.map((role) => (role === 'public' ? 'PUBLIC' : q(role))).join(', ');
  let sql = `CREATE POLICY ${q(policy.name)} ON ${qualify(table.schema, table.name)} AS ${policy.permissive ? 'PERMISSIVE' : 'RESTRICTIVE'} FOR ${policy.command.toUpperCase()} TO ${roles}`;
  if (policy.using !== null) sql += ` USING (${policy.using})`;
  if (policy.withCheck !== null) sql += ` WITH CHECK (${policy.withCheck})`;
  return `${sql};`;
}

export function dropPolicySql(table: TableRef, policy: { name: string }): string {
  return `DROP POLICY ${q(policy.name)} ON ${qualify(table.schema, table.name)};`;
}

/**
 * The function as `pg_get_functiondef` printed it (`CREATE OR REPLACE …`). Its body is
 * validated when it is created (a SQL body against the tables it reads, a PL/pgSQL one
 * against the row types it declares), so it is created with `check_function_bodies` off,
 * as `pg_dump` does: it can then come before those tables, as the defaults, checks,
 * indexes and triggers that call it need. A `BEGIN ATOMIC` body is always parsed.
 */
export function createFunctionSql(fn: SchemaFunction): string[] {
  const create = `${fn.definition.trim().replace(/;$/, '')};`;
  if (fn.kind === 'aggregate' || /\bBEGIN\s+ATOMIC\b/i.test(fn.definition)) return [create];
  return ['SET check_function_bodies = off;', create, 'RESET check_function_bodies;'];
}

export function dropFunctionSql(fn: SchemaFunction): string {
  return `DROP ${fn.kind.toUpperCase()} ${qualify(fn.schema, fn.name)}(${fn.arguments});`;
}

/**
 * Whether `CREATE OR REPLACE` can take `from` to `to`: PostgreSQL refuses it for another
 * return type or a function that becomes a procedure.
 */
export function replaceableFunction(from: SchemaFunction, to: SchemaFunction): boolean {
  return from.kind === to.kind && from.returns === to.returns;
}

function sequenceOptions(seq: Sequence): string {
  return `AS ${seq.type} INCREMENT BY ${seq.increment} MINVALUE ${seq.min} MAXVALUE ${seq.max} START WITH ${seq.start} ${seq.cycle ? 'CYCLE' : 'NO CYCLE'}`;
}

function ownedBy(seq: Sequence): string {
  return seq.ownedBy ? `${qualify(seq.ownedBy.schema, seq.ownedBy.table)}.${q(seq.ownedBy.column)}` : 'NONE';
}

export function createSequenceSql(seq: Sequence): string[] {
  const out = [`CREATE SEQUENCE ${qualify(seq.schema, seq.name)} ${sequenceOptions(seq)};`];
  if (seq.ownedBy) out.push(`ALTER SEQUENCE ${qualify(seq.schema, seq.name)} OWNED BY ${ownedBy(seq)};`);
  return out;
}

/** Every property at once: ALTER SEQUENCE accepts them together, so the type and its bounds never conflict. */
export function alterSequenceSql(seq: Sequence): string {
  return `ALTER SEQUENCE ${qualify(seq.schema, seq.name)} ${sequenceOptions(seq)} OWNED BY ${ownedBy(seq)};`;
}

export function dropSequenceSql(seq: { schema: string; name: string }): string {
  return `DROP SEQUENCE ${qualify(seq.schema, seq.name)};`;
}

/** The version is pinned only when versions are compared (`extensionVersions`). */
export function createExtensionSql(ext: Extension, withVersion = false): string {
  return `CREATE EXTENSION IF NOT EXISTS ${q(ext.name)} WITH SCHEMA ${q(ext.schema)}${withVersion ? ` VERSION ${quoteLiteralText(ext.version)}` : ''};`;
}

export function alterExtensionSql(ext: Extension, have: Extension): string[] {
  if (have.schema !== ext.schema) return [`ALTER EXTENSION ${q(ext.name)} SET SCHEMA ${q(ext.schema)};`];
  return [`ALTER EXTENSION ${q(ext.name)} UPDATE TO ${quoteLiteralText(ext.version)};`];
}

export function dropExtensionSql(ext: { name: string }): string {
  return `DROP EXTENSION ${q(ext.name)};`;
}

function quoteLiteralText(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

/** CREATE DOMAIN with its default, NOT NULL and named checks. */
export function createDomainSql(domain: Domain): string {
  let sql = `CREATE DOMAIN ${qualify(domain.schema, domain.name)} AS ${domain.type}`;
  if (domain.default !== null) sql += ` DEFAULT ${domain.default}`;
  if (domain.notNull) sql += ' NOT NULL';
  for (const check of domain.checks) sql += ` CONSTRAINT ${q(check.name)} ${check.definition}`;
  return `${sql};`;
}

export function dropDomainSql(domain: { schema: string; name: string }): string {
  return `DROP DOMAIN ${qualify(domain.schema, domain.name)};`;
}

/**
 * ALTER DOMAIN statements from `have` to `want`, or null when the base type differs
 * (PostgreSQL cannot change a domain's type: its columns would need a manual migration).
 */
export function alterDomainSql(have: Domain, want: Domain): string[] | null {
  if (have.type !== want.type) return null;
  const name = qualify(want.schema, want.name);
  const out: string[] = [];
  const norm = (text: string | null) => (text === null ? null : normalizeExpression(text));
  for (const check of have.checks) {
    const kept = want.checks.find((c) => c.name === check.name);
    if (!kept || norm(kept.definition) !== norm(check.definition)) out.push(`ALTER DOMAIN ${name} DROP CONSTRAINT ${q(check.name)};`);
  }
  if (norm(have.default) !== norm(want.default)) out.push(want.default === null ? `ALTER DOMAIN ${name} DROP DEFAULT;` : `ALTER DOMAIN ${name} SET DEFAULT ${want.default};`);
  if (have.notNull !== want.notNull) out.push(`ALTER DOMAIN ${name} ${want.notNull ? 'SET' : 'DROP'} NOT NULL;`);
  for (const check of want.checks) {
    const had = have.checks.find((c) => c.name === check.name);
    if (!had || norm(had.definition) !== norm(check.definition)) out.push(`ALTER DOMAIN ${name} ADD CONSTRAINT ${q(check.name)} ${check.definition};`);
  }
  return out;
}

export function createCompositeTypeSql(type: CompositeType): string {
  return `CREATE TYPE ${qualify(type.schema, type.name)} AS (${type.attributes.map((a) => `${q(a.name)} ${a.type}`).join(', ')});`;
}

export function dropCompositeTypeSql(type: { schema: string; name: string }): string {
  return `DROP TYPE ${qualify(type.schema, type.name)};`;
}

/**
 * One ALTER TYPE from `have` to `want` (attributes dropped, retyped, added), or null when
 * the kept attributes come in another order (ALTER TYPE cannot reorder them), or when
 * `used` (a column is of the type) and an attribute is retyped (PostgreSQL refuses
 * `ALTER ATTRIBUTE … TYPE` then): `recreateCompositeTypeSql` does those.
 */
export function alterCompositeTypeSql(have: CompositeType, want: CompositeType, used = false): string[] | null {
  const kept = want.attributes.filter((a) => have.attributes.some((h) => h.name === a.name)).map((a) => a.name);
  if (used && want.attributes.some((a) => kept.includes(a.name) && have.attributes.find((h) => h.name === a.name)!.type !== a.type)) return null;
  const keptBefore = have.attributes.filter((h) => kept.includes(h.name)).map((h) => h.name);
  if (kept.join('\u0000') !== keptBefore.join('\u0000')) return null;
  // Added attributes go last: only attributes after every kept one can be added in place.
  const lastKept = Math.max(-1, ...kept.map((name) => want.attributes.findIndex((a) => a.name === name)));
  if (want.attributes.some((a, i) => !kept.includes(a.name) && i < lastKept)) return null;
  const actions = [
    ...have.attributes.filter((h) => !kept.includes(h.name)).map((h) => `DROP ATTRIBUTE ${q(h.name)}`),
    ...want.attributes.filter((a) => kept.includes(a.name) && have.attributes.find((h) => h.name === a.name)!.type !== a.type).map((a) => `ALTER ATTRIBUTE ${q(a.name)} TYPE ${a.type}`),
    ...want.attributes.filter((a) => !kept.includes(a.name)).map((a) => `ADD ATTRIBUTE ${q(a.name)} ${a.type}`),
  ];
  return actions.length > 0 ? [`ALTER TYPE ${qualify(want.schema, want.name)} ${actions.join(', ')};`] : [];
}

/**
 * A composite type whose attributes ALTER TYPE cannot bring in order (PostgreSQL cannot
 * reorder them), recreated: with no column of it, dropped and created again; else renamed
 * aside, created anew, each column converted attribute by attribute by name
 * (`ROW((c)."b", (c)."a")`; a null value stays null), and the old type dropped (`dropOld`,
 * once no column uses it; null when there was no column). A function, domain or other type that uses it makes the drop
 * fail with PostgreSQL's own error. Null when a column is an array of it (an `ALTER
 * COLUMN … USING` cannot convert an array's elements: a manual migration).
 *
 * @example
 * recreateCompositeTypeSql(have, want, [{ table, column }])
 * // → { before: ['-- PostgreSQL cannot reorder …', 'ALTER TYPE "money_amount" RENAME TO …', 'CREATE TYPE …', 'ALTER TABLE … USING …'], dropOld: 'DROP TYPE …' }
 */
export function recreateCompositeTypeSql(
  have: CompositeType,
  want: CompositeType,
  columns: Array<{ table: Table; column: Column; array: boolean; newDefault: string | null }>,
): { before: string[]; dropOld: string | null } | null {
  if (columns.some((c) => c.array)) return null;
  const name = qualify(want.schema, want.name);
  const text = (x: string) => `"${x.replace(/"/g, '').replace(/[\r\n]+/g, ' ')}"`;
  if (columns.length === 0) {
    return { before: [`-- PostgreSQL cannot reorder the attributes of a composite type: ${text(want.name)} is dropped and created again (no column uses it)`, dropCompositeTypeSql(have), createCompositeTypeSql(want)], dropOld: null };
  }
  const lost = have.attributes.filter((h) => !want.attributes.some((a) => a.name === h.name)).map((h) => h.name);
  const moved = columns.map((c) => text(`${c.table.name}.${c.column.name}`)).join(', ');
  const comment = lost.length > 0
    ? `-- WARNING: data loss: PostgreSQL cannot reorder the attributes of a composite type, nor retype one that a column uses: ${text(want.name)} is recreated and ${moved} converted to it, without the values of ${lost.map(text).join(', ')}`
    : `-- PostgreSQL cannot reorder the attributes of a composite type, nor retype one that a column uses: ${text(want.name)} is recreated and ${moved} converted to it attribute by attribute (a value that does not fit an attribute's new type stops the conversion)`;
  const oldName = `${want.name}__lockstep_old`;
  const spelled = enumTypeName(want);
  const before = [comment, `ALTER TYPE ${name} RENAME TO ${q(oldName)};`, createCompositeTypeSql(want)];
  for (const { table, column, newDefault } of columns) {
    const col = q(column.name);
    const fields = want.attributes.map((a) => (have.attributes.some((h) => h.name === a.name) ? `(${col}).${q(a.name)}` : 'NULL')).join(', ');
    if (column.default !== null) before.push(alterTable(table, `ALTER COLUMN ${col} DROP DEFAULT`));
    before.push(alterTable(table, `ALTER COLUMN ${col} TYPE ${spelled} USING CASE WHEN ${col}::text IS NULL THEN NULL ELSE ROW(${fields})::${spelled} END`));
    if (newDefault !== null) before.push(alterTable(table, `ALTER COLUMN ${col} SET DEFAULT ${newDefault}`));
  }
  return { before, dropOld: `DROP TYPE ${qualify(want.schema, oldName)};` };
}

/**
 * What a partition has of its own (not from its parent), as statements in three groups so
 * that callers can place them: keys, checks and indexes once the partition exists, foreign
 * keys once the tables they reference exist, triggers once their functions exist.
 */
export function partitionObjectsSql(part: Partition): { keys: string[]; foreignKeys: string[]; triggers: string[] } {
  const own = part.own;
  if (!own) return { keys: [], foreignKeys: [], triggers: [] };
  return {
    keys: [...own.uniques.map((u) => addConstraintSql(part, uniqueClause(u))), ...own.checks.map((c) => addConstraintSql(part, checkClause(c))), ...own.indexes.map((i) => createIndexSql(part, i))],
    foreignKeys: own.foreignKeys.map((fk) => addConstraintSql(part, foreignKeyClause(fk))),
    triggers: own.triggers.flatMap((t) => createTriggerSql(part, t)),
  };
}
