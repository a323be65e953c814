import type {
  CheckConstraint,
  Column,
  CompositeType,
  DefaultPrivilege,
  Domain,
  EnumType,
  ExclusionConstraint,
  Extension,
  ForeignKey,
  Grant,
  Index,
  Partition,
  Policy,
  PrimaryKey,
  RowSecurity,
  Schema,
  SchemaFunction,
  Sequence,
  Table,
  Trigger,
  UniqueConstraint,
  View,
} from '../../core/model.js';
import type { SchemaChange } from '../../core/schema-change.js';
import {
  addConstraintSql,
  addEnumValuesSql,
  alterColumnCollationSql,
  alterColumnTypeSql,
  alterDefaultSql,
  alterTable,
  attachPartitionSql,
  checkClause,
  columnDefinition,
  commentSql,
  grantFixSql,
  defaultPrivilegeFixSql,
  revokeFixSql,
  columnsOfType,
  createEnumSql,
  createIndexSql,
  createPartitionSql,
  createTableSql,
  createViewSql,
  createViewStatements,
  dropConstraintSql,
  dropEnumSql,
  detachPartitionSql,
  dropIndexSql,
  dropPartitionSql,
  dropTableSql,
  dropViewSql,
  exclusionClause,
  foreignKeyClause,
  primaryKeyClause,
  quotePostgresIdentifier as q,
  recreateEnumSql,
  sameForeignKey,
  setLoggedSql,
  setNullableSql,
  tableCommentsSql,
  uniqueClause,
} from '../../dialects/postgres/postgres-ddl.js';
import { createViewsSql, dropViewsSql, expressionsUsingColumn, mentions, viewsDependingOn } from '../../dialects/postgres/postgres-dependents.js';
import {
  alterCompositeTypeSql,
  recreateCompositeTypeSql,
  alterDomainSql,
  alterExtensionSql,
  createCompositeTypeSql,
  createDomainSql,
  dropCompositeTypeSql,
  dropDomainSql,
  alterSequenceSql,
  createExtensionSql,
  dropExtensionSql,
  createFunctionSql,
  createPolicySql,
  createSequenceSql,
  createTriggerSql,
  dropFunctionSql,
  dropPolicySql,
  dropSequenceSql,
  dropTriggerSql,
  replaceableFunction,
  rowSecuritySql,
  triggerStateSql,
  partitionObjectsSql,
} from '../../dialects/postgres/postgres-routine-ddl.js';
import { privilegesOfCreatedSql } from '../../dialects/postgres/postgres-created-privileges.js';
import { repartitionAfterSql, repartitionBeforeSql } from '../../dialects/postgres/postgres-repartition.js';

/**
 * The fixes `lockstep check` prints: for each change of `diffSchemas(expected, actual)`,
 * the statements that bring the live database to the expected one. Each fix stands on its
 * own (it can be run alone, in the order `check` lists them): what blocks a change, such
 * as a view reading a column whose type changes or a foreign key on a primary key that
 * changes, is dropped first and put back after. A fix that rewrites data starts with a
 * SQL comment that says so.
 */

type TableRef = { schema: string; name: string };
type ColumnRef = { table: TableRef; column: string };
interface Schemas {
  expected: Schema;
  actual: Schema;
}

/**
 * One fix per change, in order; undefined where no statement can express the change.
 * `changes` come in the order of `orderForFixes`, and the fixes are written to run top
 * to bottom: a missing schema is created by the first fix that needs it, and a foreign
 * key between two missing tables that reference each other is added by the fix of the
 * table created second.
 *
 * @example
 * postgresFixesFor(orderForFixes(diffSchemas(expected, actual).changes), expected, actual)
 * // → ['ALTER TABLE "jobs" ADD COLUMN "job_uuid" uuid NOT NULL;', …]
 */
export function postgresFixesFor(changes: SchemaChange[], expected: Schema, actual: Schema): Array<string | undefined> {
  const schemas = { expected, actual };
  const namespaces = new Set(['public', ...actual.tables.map((t) => t.schema), ...actual.enums.map((e) => e.schema), ...actual.views.map((v) => v.schema), ...(actual.functions ?? []).map((f) => f.schema), ...(actual.sequences ?? []).map((x) => x.schema), ...(actual.domains ?? []).map((x) => x.schema), ...(actual.compositeTypes ?? []).map((x) => x.schema)]);
  const tableKey = (t: TableRef) => `${t.schema}\u0000${t.name}`;
  const created = new Map(changes.filter((c) => c.kind === 'table.missing').map((c, i) => [tableKey(c.expected as Table), i]));
  const deferred = new Map<string, string[]>();
  const repartitioned = new Set(changes.filter((c) => c.kind === 'table.partitioning').map((c) => tableKey({ schema: c.schema ?? 'public', name: c.table })));
  return changes.map((change) => {
    let statements: string[] | null;
    if (change.kind !== 'table.partitioning' && INSIDE_A_TABLE.test(change.kind) && repartitioned.has(tableKey({ schema: change.schema ?? 'public', name: change.table }))) {
      return `-- done by the re-creation of ${commentText(change.table)} (the fix of its table.partitioning change)`;
    }
    if (change.kind === 'table.missing') {
      const table = change.expected as Table;
      const order = created.get(tableKey(table))!;
      const now: ForeignKey[] = [];
      for (const fk of table.foreignKeys) {
        const target = { schema: fk.referencedSchema, name: fk.referencedTable };
        const targetOrder = created.get(tableKey(target));
        if (targetOrder === undefined || targetOrder <= order) now.push(fk);
        else deferred.set(tableKey(target), [...(deferred.get(tableKey(target)) ?? []), addConstraintSql(table, foreignKeyClause(fk))]);
      }
      statements = createTableStatements({ ...table, foreignKeys: now }, schemas);
      statements.splice(1 + now.length, 0, ...(deferred.get(tableKey(table)) ?? []));
    } else {
      statements = fixStatements(change, schemas);
    }
    if (!statements || statements.length === 0) return undefined;
    const namespace = change.schema ?? 'public';
    if (NAMESPACED_KINDS.has(change.kind) && !namespaces.has(namespace)) {
      namespaces.add(namespace);
      statements.unshift(`CREATE SCHEMA IF NOT EXISTS ${q(namespace)};`);
    }
    return statements.join('\n');
  });
}

/** Kinds whose object lives in a table, so a table dropped and created again brings it as expected. */
const INSIDE_A_TABLE = /^(column|pk|fk|unique|check|index|exclusion|trigger|policy|rls|partition|comment|grant)\.|^table\.options$/;

/** Kinds whose fix creates an object that lives in a schema of its own. */
const NAMESPACED_KINDS = new Set<SchemaChange['kind']>(['extension.missing', 'table.missing', 'enum.missing', 'domain.missing', 'composite-type.missing', 'view.missing', 'function.missing', 'sequence.missing']);

/**
 * The fix for one change: its statements joined by newlines, or undefined.
 *
 * @example
 * fixForPostgres({ kind: 'column.nullable', table: 'users', column: 'email', expected: false, actual: true, message: '' }, expected, actual)
 * // → 'ALTER TABLE "users" ALTER COLUMN "email" SET NOT NULL;'
 */
export function fixForPostgres(change: SchemaChange, expected: Schema, actual: Schema): string | undefined {
  const statements = fixStatements(change, { expected, actual });
  return statements && statements.length > 0 ? statements.join('\n') : undefined;
}

/** A whole table: CREATE TABLE, its foreign keys, indexes, triggers, row-level security and policies. */
function createTableStatements(t: Table, schemas: Schemas): string[] {
  return [
    createTableSql(t, schemas.expected.sequences),
    ...(t.partitioning?.partitions ?? []).map((part) => createPartitionSql(t, part)),
    ...tableCommentsSql(t),
    ...t.foreignKeys.map((fk) => addConstraintSql(t, foreignKeyClause(fk))),
    ...t.indexes.map((i) => createIndexSql(t, i)),
    ...t.triggers.flatMap((trigger) => createTriggerSql(t, trigger)),
    ...(t.partitioning?.partitions ?? []).flatMap((part) => Object.values(partitionObjectsSql(part)).flat()),
    ...(t.rowSecurity ? rowSecuritySql(t, t.rowSecurity) : []),
    ...(t.policies ?? []).map((policy) => createPolicySql(t, policy)),
  ];
}

function fixStatements(change: SchemaChange, schemas: Schemas): string[] | null {
  const table = { schema: change.schema ?? 'public', name: change.table };
  const e = change.expected as never;
  const a = change.actual as never;
  const column = change.column ?? '';
  switch (change.kind) {
    case 'table.missing':
      return createTableStatements(e as Table, schemas);
    case 'table.extra':
      return [dropTableSql(table)];
    case 'table.options': {
      // The only PostgreSQL table option lockstep reads: UNLOGGED.
      const want = (e as string[]).includes('unlogged');
      return want === (a as string[]).includes('unlogged') ? null : [setLoggedSql(table, want)];
    }
    case 'comment.mismatch':
      return [commentSql(table, change.column, e as string | null)];
    case 'grant.missing':
      return grantFixSql(e as Grant, schemas.actual);
    case 'grant.extra':
      return [revokeFixSql(a as Grant, schemas.expected)];
    case 'default-privilege.missing':
      return defaultPrivilegeFixSql(e as DefaultPrivilege, true, schemas.actual);
    case 'default-privilege.extra':
      return defaultPrivilegeFixSql(a as DefaultPrivilege, false, schemas.actual);
    case 'table.partitioning':
      return repartition(table, schemas);
    case 'partition.missing': {
      const part = e as Partition;
      const detached = schemas.actual.tables.some((t) => t.schema === part.schema && t.name === part.name);
      if (detached) return [attachPartitionSql(table, part)];
      const own = partitionObjectsSql(part);
      return [createPartitionSql(table, part), ...own.keys, ...own.foreignKeys, ...own.triggers];
    }
    case 'partition.extra':
      return [dropPartitionSql(table, a as Partition)];
    case 'partition.bound':
      return [detachPartitionSql(table, a as Partition), attachPartitionSql(table, e as Partition)];
    case 'column.collation': {
      const wanted = findColumn(schemas.expected, table, column);
      if (!wanted) return null;
      return aroundDependents([alterColumnCollationSql(table, column, wanted.type, wanted.collation ?? null)], [{ table, column }], schemas);
    }
    case 'exclusion.missing':
      return [addConstraintSql(table, exclusionClause(e as ExclusionConstraint))];
    case 'exclusion.extra':
      return [dropConstraintSql(table, (a as ExclusionConstraint).name)];
    case 'exclusion.definition':
      return [dropConstraintSql(table, (a as ExclusionConstraint).name), addConstraintSql(table, exclusionClause(e as ExclusionConstraint))];
    case 'column.missing':
      return [alterTable(table, `ADD COLUMN ${columnDefinition(e as Column, schemas.expected.sequences)}`)];
    case 'column.extra':
      return [alterTable(table, `DROP COLUMN ${q(column)}`)];
    case 'column.type':
      return aroundDependents(retypeColumn(table, column, e as string, schemas), [{ table, column }], schemas);
    case 'column.nullable':
      return [setNullableSql(table, column, e as boolean)];
    case 'column.default':
      return changeDefault(table, column, e as string | null, a as string | null, schemas);
    case 'pk.mismatch':
      return changePrimaryKey(table, e as PrimaryKey | null, a as PrimaryKey | null, schemas);
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
      return [createIndexFix(table, e as Index, schemas)];
    case 'index.extra':
      return [dropIndexSql(table, a as Index)];
    case 'index.mismatch':
      return [dropIndexSql(table, a as Index), createIndexFix(table, e as Index, schemas)];
    case 'composite-type.missing':
      return [createCompositeTypeSql(e as CompositeType), ...privilegesOfCreatedSql(schemas.expected, schemas.actual, e as CompositeType, 'type')];
    case 'composite-type.extra':
      return [dropCompositeTypeSql(a as CompositeType)];
    case 'composite-type.definition':
      return alterCompositeTypeSql(a as CompositeType, e as CompositeType, columnsOfType(schemas.actual, a as CompositeType).length > 0) ?? recreateCompositeType(e as CompositeType, a as CompositeType, schemas);
    case 'domain.missing':
      return [createDomainSql(e as Domain), ...privilegesOfCreatedSql(schemas.expected, schemas.actual, e as Domain, 'type')];
    case 'domain.extra':
      return [dropDomainSql(a as Domain)];
    case 'domain.definition':
      return alterDomainSql(a as Domain, e as Domain);
    case 'enum.missing':
      return [createEnumSql(e as EnumType), ...privilegesOfCreatedSql(schemas.expected, schemas.actual, e as EnumType, 'type')];
    case 'enum.extra':
      return [dropEnumSql(a as EnumType)];
    case 'enum.values':
      return changeEnumValues(e as EnumType, a as EnumType, schemas);
    case 'view.missing':
      return createViewStatements(e as View);
    case 'view.extra':
      return [dropViewSql(a as View)];
    case 'view.definition': {
      const want = e as View;
      const have = a as View;
      if (!want.materialized && !have.materialized) return [createViewSql(want, true)];
      return [dropViewSql(have), ...createViewStatements(want)];
    }
    case 'trigger.missing':
      return createTriggerSql(table, e as Trigger);
    case 'trigger.extra':
      return [dropTriggerSql(table, a as Trigger)];
    case 'trigger.definition':
      return [dropTriggerSql(table, a as Trigger), ...createTriggerSql(table, e as Trigger)];
    case 'trigger.enabled':
      return [triggerStateSql(table, change.name!, e as NonNullable<Trigger['enabled']>)];
    case 'rls.mismatch':
      return rowSecuritySql(table, e as RowSecurity, a as RowSecurity);
    case 'policy.missing':
      return [createPolicySql(table, e as Policy)];
    case 'policy.extra':
      return [dropPolicySql(table, a as Policy)];
    case 'policy.definition':
      return [dropPolicySql(table, a as Policy), createPolicySql(table, e as Policy)];
    case 'function.missing':
      return [...createFunctionSql(e as SchemaFunction), ...privilegesOfCreatedSql(schemas.expected, schemas.actual, e as SchemaFunction, (e as SchemaFunction).kind)];
    case 'function.extra':
      return [dropFunctionSql(a as SchemaFunction)];
    case 'function.definition': {
      const want = e as SchemaFunction;
      if (replaceableFunction(a as SchemaFunction, want)) return createFunctionSql(want);
      return [dropFunctionSql(a as SchemaFunction), ...createFunctionSql(want), ...privilegesOfCreatedSql(schemas.expected, schemas.actual, want, want.kind)];
    }
    case 'sequence.missing':
      return createSequenceSql(e as Sequence);
    case 'sequence.extra':
      return [dropSequenceSql(a as Sequence)];
    case 'sequence.mismatch':
      return [alterSequenceSql(e as Sequence)];
    case 'extension.missing':
      return a ? alterExtensionSql(e as Extension, a as Extension) : [createExtensionSql(e as Extension)];
    case 'extension.version':
      return [`ALTER EXTENSION ${q(change.name!)} UPDATE TO '${String(e).replace(/'/g, "''")}';`];
    case 'extension.extra':
      return [dropExtensionSql(a as Extension)];
  }
  return null;
}

/**
 * A table whose partitioning differs is dropped and created again as the expected schema
 * defines it (with its partitions, keys, indexes, triggers, policies and grants), its rows
 * copied aside and back; the views that read it and the foreign keys that reference it
 * are dropped first and put back after.
 */
function repartition(table: TableRef, schemas: Schemas): string[] | null {
  const live = findTable(schemas.actual, table);
  const want = findTable(schemas.expected, table);
  if (!live || !want) return null;
  const views = viewsDependingOn(schemas.actual.views, (v) => mentions(v.definition, table.name));
  const referencing = schemas.actual.tables.flatMap((child) =>
    child === live ? [] : child.foreignKeys.filter((fk) => fk.name !== null && fk.referencedSchema === table.schema && fk.referencedTable === table.name).map((fk) => ({ child, fk })),
  );
  const restoredFks = referencing.map(({ child, fk }) => addConstraintSql(child, foreignKeyClause(findTable(schemas.expected, child)?.foreignKeys.find((x) => x.name === fk.name) ?? fk)));
  const recreatedViews = views.map((v) => schemas.expected.views.find((x) => x.schema === v.schema && x.name === v.name) ?? v);
  return [
    ...repartitionBeforeSql(live, want),
    ...dropViewsSql(views),
    ...referencing.map(({ child, fk }) => dropConstraintSql(child, fk.name!)),
    dropTableSql(table),
    // Triggers, row-level security and policies after the copy back: it must not fire or be filtered by them.
    ...createTableStatements({ ...want, partitioning: withoutPartitionTriggers(want.partitioning), triggers: [], policies: [], rowSecurity: { enabled: false, forced: false } }, schemas),
    ...repartitionAfterSql(live, want),
    ...want.triggers.flatMap((trigger) => createTriggerSql(want, trigger)),
    ...(want.partitioning?.partitions ?? []).flatMap((part) => (part.own?.triggers ?? []).flatMap((trigger) => createTriggerSql(part, trigger))),
    ...(want.rowSecurity ? rowSecuritySql(want, want.rowSecurity) : []),
    ...(want.policies ?? []).map((policy) => createPolicySql(want, policy)),
    ...privilegesOfCreatedSql(schemas.expected, schemas.actual, want, 'table'),
    ...restoredFks,
    ...createViewsSql(recreatedViews),
    ...recreatedViews.flatMap((v) => privilegesOfCreatedSql(schemas.expected, schemas.actual, v, 'view')),
  ];
}

/** The partitioning with no partition's own triggers (created after a copy of rows, which must not fire them). */
function withoutPartitionTriggers(partitioning: Table['partitioning']): Table['partitioning'] {
  if (!partitioning) return partitioning;
  return { ...partitioning, partitions: partitioning.partitions.map((p) => (p.own ? { ...p, own: { ...p.own, triggers: [] } } : p)) };
}

/** A plain default of the old type may not cast to the new one: drop it around the change and set the expected one after. */
function retypeColumn(table: TableRef, column: string, type: string, schemas: Schemas): string[] {
  const live = findColumn(schemas.actual, table, column);
  const wanted = findColumn(schemas.expected, table, column);
  const plainDefault = (c: Column | undefined) => c !== undefined && c.default !== null && !c.identity && c.generated === null;
  const collation = wanted?.collation ?? null;
  if (!plainDefault(live)) return [alterColumnTypeSql(table, column, type, collation)];
  return [
    alterTable(table, `ALTER COLUMN ${q(column)} DROP DEFAULT`),
    alterColumnTypeSql(table, column, type, collation),
    ...(plainDefault(wanted) ? [alterTable(table, `ALTER COLUMN ${q(column)} SET DEFAULT ${wanted!.default}`)] : []),
  ];
}

/**
 * Defaults, identity and generated columns. Identity is added, dropped or switched in
 * place; only a new generation expression needs the column dropped and added again
 * (PostgreSQL 15 has no `ALTER COLUMN … SET EXPRESSION`), and that fix says so in a
 * leading comment, with what it costs.
 */
function changeDefault(table: TableRef, column: string, expected: string | null, actual: string | null, schemas: Schemas): string[] | null {
  const live = findColumn(schemas.actual, table, column);
  const inPlace = alterDefaultSql(table, column, expected, actual);
  if (inPlace) {
    // ADD GENERATED … AS IDENTITY refuses a nullable column.
    const addsIdentity = /^generated .* as identity$/i.test(expected ?? '') && !/^generated .* as identity$/i.test(actual ?? '');
    return addsIdentity && live?.nullable ? [setNullableSql(table, column, false), ...inPlace] : inPlace;
  }
  const wanted = findColumn(schemas.expected, table, column);
  const liveTable = findTable(schemas.actual, table);
  if (!wanted || !liveTable) return null;
  const name = commentText(`${table.name}.${column}`);
  const warning =
    live?.generated != null
      ? `-- PostgreSQL 15 cannot change a generation expression: this drops ${name} and adds it again, which recomputes every row (a generated column holds only derived values, so no data is lost)`
      : `-- WARNING: data loss: ${name} becomes a generated column by being dropped and added again; the values it holds now are replaced by the expression's`;
  // DROP COLUMN takes the column's indexes and constraints with it: put back what was
  // there, as the expected schema defines it (or as it was: its own change removes it).
  const target = findTable(schemas.expected, table);
  const named = <T extends { name: string | null }>(list: T[] | undefined, item: T) => list?.find((x) => x.name !== null && x.name === item.name) ?? item;
  const restore = [
    ...liveTable.indexes.filter((i) => indexUses(i, column)).map((i) => createIndexSql(table, named(target?.indexes, i))),
    ...liveTable.uniques.filter((u) => u.columns.includes(column)).map((u) => addConstraintSql(table, uniqueClause(named(target?.uniques, u)))),
    ...liveTable.checks.filter((c) => mentions(c.expression, column)).map((c) => addConstraintSql(table, checkClause(named(target?.checks, c)))),
    ...liveTable.foreignKeys.filter((f) => f.columns.includes(column)).map((f) => addConstraintSql(table, foreignKeyClause(named(target?.foreignKeys, f)))),
  ];
  return [warning, ...aroundDependents([alterTable(table, `DROP COLUMN ${q(column)}, ADD COLUMN ${columnDefinition(wanted)}`), ...restore], [{ table, column }], schemas, { expressions: false })];
}

/**
 * A new primary key. Foreign keys that reference the old one depend on its index, so
 * PostgreSQL refuses to drop it while they exist: they are dropped first and added back
 * after, as the expected schema defines them (or as they are, when it does not have them).
 */
function changePrimaryKey(table: TableRef, want: PrimaryKey | null, have: PrimaryKey | null, schemas: Schemas): string[] {
  if (want?.name && have?.name && want.name !== have.name && want.columns.join() === have.columns.join()) {
    return [alterTable(table, `RENAME CONSTRAINT ${q(have.name)} TO ${q(want.name)}`)];
  }
  const referencing = have ? foreignKeysReferencing(schemas.actual, table, have.columns) : [];
  const liveTable = findTable(schemas.actual, table);
  const keys = [...(want ? [want.columns] : []), ...(liveTable?.uniques.map((u) => u.columns) ?? [])];
  const before: string[] = [];
  const after: string[] = [];
  for (const { table: child, fk } of referencing) {
    const definition = findTable(schemas.expected, child)?.foreignKeys.find((x) => x.name === fk.name) ?? fk;
    before.push(dropConstraintSql(child, fk.name!));
    if (keys.some((k) => sameSet(k, definition.referencedColumns))) after.push(addConstraintSql(child, foreignKeyClause(definition)));
    else after.push(`-- foreign key ${commentText(`${child.name}.${fk.name}`)} is not added back: ${commentText(table.name)} has no key on (${definition.referencedColumns.join(', ')}) any more`);
  }
  const comment = referencing.length > 0 ? [`-- ${referencing.length} foreign key(s) reference this primary key: dropped before the change and added back after`] : [];
  return [
    ...comment,
    ...before,
    ...(have ? [dropConstraintSql(table, have.name ?? `${table.name}_pkey`)] : []),
    ...(want ? [addConstraintSql(table, primaryKeyClause(want))] : []),
    ...after,
  ];
}

/** Named foreign keys of `schema` whose referenced columns are exactly `columns` (in any order) of `table`. */
function foreignKeysReferencing(schema: Schema, table: TableRef, columns: string[]): Array<{ table: Table; fk: ForeignKey }> {
  return schema.tables.flatMap((child) =>
    child.foreignKeys
      .filter((fk) => fk.name !== null && fk.referencedSchema === table.schema && fk.referencedTable === table.name && sameSet(fk.referencedColumns, columns))
      .map((fk) => ({ table: child, fk })),
  );
}

/**
 * New values are added in place; a removed or reordered value recreates the type, which
 * rewrites every column of it. Views reading those columns, and indexes or checks whose
 * expression compares them with a value of the old type, are dropped first and recreated
 * after (PostgreSQL refuses the rewrite while they exist).
 */
function changeEnumValues(want: EnumType, have: EnumType, schemas: Schemas): string[] {
  const added = addEnumValuesSql(have, want);
  if (added) return added;
  const columns = columnsOfType(schemas.actual, have).map((c) => ({ ...c, newDefault: findColumn(schemas.expected, c.table, c.column.name)?.default ?? null }));
  const recreate = recreateEnumSql(want, columns);
  const statements = aroundDependents(
    [...recreate.before, recreate.dropOld],
    columns.map((c) => ({ table: c.table, column: c.column.name })),
    schemas,
    { expressions: true },
  );
  const type = commentText(want.schema === 'public' ? want.name : `${want.schema}.${want.name}`);
  const moved = columns.length === 0 ? '' : `, and ${columns.map((c) => commentText(`${c.table.name}.${c.column.name}`)).join(', ')} converted to it through text (fails if a row holds a removed value)`;
  const comment = `-- PostgreSQL cannot remove or reorder enum values: ${type} is recreated${moved}`;
  return [comment, ...statements, ...privilegesOfCreatedSql(schemas.expected, schemas.actual, want, 'type')];
}

/**
 * A composite type ALTER TYPE cannot fix (attributes reordered) is recreated, its columns
 * converted; views reading them go around it. No fix for an array column of it.
 */
function recreateCompositeType(want: CompositeType, have: CompositeType, schemas: Schemas): string[] | null {
  const columns = columnsOfType(schemas.actual, have).map((c) => ({ ...c, newDefault: findColumn(schemas.expected, c.table, c.column.name)?.default ?? null }));
  const recreate = recreateCompositeTypeSql(have, want, columns);
  if (!recreate) return null;
  const [comment, ...rest] = recreate.before;
  const refs = columns.map((c) => ({ table: c.table, column: c.column.name }));
  return [comment!, ...aroundDependents([...rest, ...(recreate.dropOld ? [recreate.dropOld] : [])], refs, schemas, { expressions: true }), ...privilegesOfCreatedSql(schemas.expected, schemas.actual, want, 'type')];
}

/**
 * Wraps `statements` that rewrite `columns` with the drop and re-creation of what blocks
 * them: views reading the columns (and views reading those), and with `expressions`, the
 * indexes and checks whose expression names a column. They come back as the expected
 * schema defines them, or as they are when it does not have them (their own change
 * removes them then).
 */
function aroundDependents(statements: string[], columns: ColumnRef[], schemas: Schemas, options: { expressions?: boolean } = {}): string[] {
  const views = viewsDependingOn(schemas.actual.views, (v) => columns.some((c) => mentions(v.definition, c.table.name) && mentions(v.definition, c.column)));
  const before = dropViewsSql(views);
  const after: string[] = [];
  if (options.expressions) {
    const seen = new Set<string>();
    for (const { table, column } of columns) {
      const live = findTable(schemas.actual, table);
      if (!live) continue;
      const target = findTable(schemas.expected, table);
      const { indexes, checks } = expressionsUsingColumn(live, column);
      for (const index of indexes) {
        if (seen.has(`${table.schema}.${table.name}.index.${index.name}`)) continue;
        seen.add(`${table.schema}.${table.name}.index.${index.name}`);
        before.push(dropIndexSql(table, index));
        after.push(createIndexSql(table, target?.indexes.find((i) => i.name === index.name) ?? index));
      }
      for (const check of checks) {
        if (check.name === null || seen.has(`${table.schema}.${table.name}.check.${check.name}`)) continue;
        seen.add(`${table.schema}.${table.name}.check.${check.name}`);
        before.push(dropConstraintSql(table, check.name));
        after.push(addConstraintSql(table, checkClause(target?.checks.find((c) => c.name === check.name) ?? check)));
      }
    }
  }
  const recreated = views.map((v) => schemas.expected.views.find((x) => x.schema === v.schema && x.name === v.name) ?? v);
  // Their privileges go with them: given back as the expected schema grants them (as they were, when it does not read grants).
  const grants = recreated.flatMap((v) => privilegesOfCreatedSql(schemas.expected, schemas.actual, v, 'view'));
  return [...before, ...statements, ...after, ...createViewsSql(recreated), ...grants];
}

/**
 * An index on a materialized view: another fix may recreate the view for a retyped
 * column, and with it this index as the expected schema defines it; the index's own fix
 * then finds it made (IF NOT EXISTS), so the fixes converge in either order.
 */
function createIndexFix(table: { schema: string; name: string }, index: Index, schemas: Schemas): string {
  const sql = createIndexSql(table, index);
  const onMaterializedView = schemas.expected.views.some((v) => v.materialized && v.schema === table.schema && v.name === table.name);
  return onMaterializedView ? sql.replace(/^CREATE (UNIQUE )?INDEX /, (_m, unique: string | undefined) => `CREATE ${unique ?? ''}INDEX IF NOT EXISTS `) : sql;
}

function indexUses(index: Index, column: string): boolean {
  return index.keys.some((k) => k.column === column || (k.expression !== null && mentions(k.expression, column))) || (index.where !== null && mentions(index.where, column));
}

function namedDrop(table: TableRef, constraint: { name: string | null }): string[] | null {
  return constraint.name ? [dropConstraintSql(table, constraint.name)] : null;
}

function findTable(schema: Schema, table: TableRef): Table | undefined {
  return schema.tables.find((t) => t.schema === table.schema && t.name === table.name);
}

function findColumn(schema: Schema, table: TableRef, column: string): Column | undefined {
  return findTable(schema, table)?.columns.find((c) => c.name === column);
}

/** An identifier inside a `--` comment: one line, quoted like SQL. */
function commentText(name: string): string {
  return `"${name.replace(/[\r\n]+/g, ' ')}"`;
}

function sameSet(a: string[], b: string[]): boolean {
  return a.length === b.length && a.every((x) => b.includes(x));
}
