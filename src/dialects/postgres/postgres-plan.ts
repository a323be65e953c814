import { LockstepError } from '../../core/errors.js';
import { type DiffOptions, diffSchemas } from '../../core/diff-schemas.js';
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
import { normalizeExpression } from '../../core/normalize-sql.js';
import type { SchemaChange } from '../../core/schema-change.js';
import { signatureTypeNames } from '../../core/routine-signature.js';
import type { MigrationPlan, RenameHint } from '../dialect.js';
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
  dropConstraintSql,
  dropEnumSql,
  detachPartitionSql,
  dropIndexSql,
  dropPartitionSql,
  dropTableSql,
  exclusionClause,
  foreignKeyClause,
  primaryKeyClause,
  qualify,
  quotePostgresIdentifier as q,
  recreateEnumSql,
  sameForeignKey,
  setLoggedSql,
  setNullableSql,
  tableCommentsSql,
  uniqueClause,
} from './postgres-ddl.js';
import { privilegesOfCreatedSql } from './postgres-created-privileges.js';
import { repartitionAfterSql, repartitionBeforeSql } from './postgres-repartition.js';
import { createViewsSql, dropViewsSql, expressionsUsingColumn, mentions, viewsDependingOn } from './postgres-dependents.js';
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
} from './postgres-routine-ddl.js';

type TableRef = { schema: string; name: string };

const NOT_PLANNED = new Set<SchemaChange['kind']>(['virtual-table.missing', 'virtual-table.extra', 'virtual-table.definition']);

/**
 * The ordered statements that take schema `from` to schema `to` on PostgreSQL:
 *
 * 1. schemas, confirmed renames (tables, columns, their serial sequences, constraints);
 * 2. views that depend on what changes are dropped (dependents first);
 * 3. foreign keys, indexes, uniques, checks and primary keys that go away or change are
 *    dropped, then the tables that go away;
 *    (triggers and policies that go away or change are dropped here too);
 * 4. enums are created or get new values (a removed or reordered value recreates the type),
 *    then sequences and functions are created or replaced (defaults, checks, indexes and
 *    triggers call them);
 * 5. new tables (columns, primary key, uniques, checks), then column changes of kept tables;
 * 6. new keys, checks and indexes, then every new foreign key (after all tables, so cycles
 *    work), then sequence changes, triggers, row-level security and policies;
 * 7. enums, then functions and sequences that go away are dropped, and views are
 *    recreated (dependencies first).
 *
 * Changes no statement can express end up in `unsupported`, never as empty SQL.
 *
 * @example
 * const plan = planPostgresMigration(migrationsReplayed, declaredSchema, { renames: [{ table: 'users', from: 'mail', to: 'email' }] });
 * // plan.statements[0] === 'ALTER TABLE "users" RENAME COLUMN "mail" TO "email";'
 */
export function planPostgresMigration(from: Schema, to: Schema, options: { renames?: RenameHint[]; compare?: Pick<DiffOptions, 'comments' | 'grants' | 'extensionVersions'> } = {}): MigrationPlan {
  const source: Schema = structuredClone(from);
  const out = new Phases();
  const unsupported: SchemaChange[] = [];

  for (const schema of newNamespaces(from, to)) out.setup.push(`CREATE SCHEMA IF NOT EXISTS ${q(schema)};`);
  const oldNames = applyRenames(source, to, options.renames ?? [], out.setup);

  const changes = diffSchemas(to, source, { ...options.compare, strictNames: true }).changes;
  const of = (kind: SchemaChange['kind']) => changes.filter((c) => c.kind === kind);
  // Kinds the diff compares but this planner does not write yet: refused, never silently left out.
  for (const c of changes) if (NOT_PLANNED.has(c.kind)) unsupported.push({ ...c, message: `${c.message} (lockstep does not plan this kind on PostgreSQL yet)` });
  const ref = (c: SchemaChange): TableRef => ({ schema: c.schema ?? 'public', name: c.table });
  const key = (t: TableRef, column?: string) => `${t.schema}.${t.name}${column === undefined ? '' : `.${column}`}`;
  const toTable = (t: TableRef) => to.tables.find((x) => x.schema === t.schema && x.name === t.name);
  const sourceTable = (t: TableRef) => source.tables.find((x) => x.schema === t.schema && x.name === t.name);

  const repartitioned = repartitionTables(changes, source, to, out);
  const droppedTables = new Set(of('table.extra').map((c) => key(ref(c))));
  const droppedColumns = new Set(of('column.extra').map((c) => key(ref(c), c.column)));
  const retyped = new Set(of('column.type').map((c) => key(ref(c), c.column)));
  // A new collation is an ALTER COLUMN … TYPE too: the views that read the table go around it.
  const recollated = new Set(of('column.collation').map((c) => key(ref(c), c.column)));
  const affectedTables = new Set<string>([...droppedTables, ...[...droppedColumns, ...retyped, ...recollated].map((k) => k.slice(0, k.lastIndexOf('.')))]);

  // Renamed constraints and indexes (same definition, other name) are renamed, not rebuilt.
  renameConstraints(changes, ref, out.setup);

  // Enums first: a recreated enum rewrites its columns, which views may depend on.
  // The columns of a type being recreated that this plan keeps, with the default each gets.
  const keptColumnsOfType = (type: { schema: string; name: string }) =>
    columnsOfType(source, type)
      .filter(({ table, column }) => !droppedTables.has(key(table)) && !droppedColumns.has(key(table, column.name)) && !retyped.has(key(table, column.name)))
      .map((col) => ({ ...col, newDefault: toTable(col.table)?.columns.find((x) => x.name === col.column.name)?.default ?? null }));
  const droppedEnumTypes: string[] = [];
  const blockingExpressions: Array<{ table: Table; column: string }> = [];
  for (const c of of('enum.missing')) {
    out.enums.push(createEnumSql(c.expected as EnumType));
    out.grants.push(...privilegesOfCreatedSql(to, source, c.expected as EnumType, 'type'));
  }
  for (const c of of('enum.values')) {
    const want = c.expected as EnumType;
    const have = c.actual as EnumType;
    const added = addEnumValuesSql(have, want);
    if (added) {
      out.enums.push(...added);
      continue;
    }
    const columns = keptColumnsOfType(have);
    for (const col of columns) affectedTables.add(key(col.table));
    for (const col of columns) blockingExpressions.push({ table: col.table, column: col.column.name });
    const recreate = recreateEnumSql(want, columns);
    out.enums.push(...recreate.before);
    droppedEnumTypes.push(recreate.dropOld);
    out.grants.push(...privilegesOfCreatedSql(to, source, want, 'type'));
  }
  for (const c of of('enum.extra')) droppedEnumTypes.push(dropEnumSql(c.actual as EnumType));
  // Domains beside enums: created before the tables whose columns use them, dropped after.
  for (const c of of('domain.missing')) {
    out.enums.push(createDomainSql(c.expected as Domain));
    out.grants.push(...privilegesOfCreatedSql(to, source, c.expected as Domain, 'type'));
  }
  for (const c of of('domain.definition')) {
    const sql = alterDomainSql(c.actual as Domain, c.expected as Domain);
    if (sql) out.enums.push(...sql);
    else unsupported.push({ ...c, message: `${c.message} (a domain's base type cannot be changed in place: its columns need a manual migration)` });
  }
  for (const c of of('domain.extra')) droppedEnumTypes.push(dropDomainSql(c.actual as Domain));
  for (const c of of('composite-type.missing')) {
    out.enums.push(createCompositeTypeSql(c.expected as CompositeType));
    out.grants.push(...privilegesOfCreatedSql(to, source, c.expected as CompositeType, 'type'));
  }
  for (const c of of('composite-type.definition')) {
    const want = c.expected as CompositeType;
    const have = c.actual as CompositeType;
    const sql = alterCompositeTypeSql(have, want, columnsOfType(source, have).length > 0);
    if (sql) {
      out.enums.push(...sql);
      continue;
    }
    // Attributes reordered: the type is recreated and its columns converted (views reading them go around it).
    const columns = keptColumnsOfType(have);
    const recreate = recreateCompositeTypeSql(have, want, columns);
    if (!recreate) {
      unsupported.push({ ...c, message: `${c.message} (PostgreSQL cannot reorder a composite type's attributes, and an array column of it cannot be converted in place: a manual migration)` });
      continue;
    }
    for (const col of columns) affectedTables.add(key(col.table));
    for (const col of columns) blockingExpressions.push({ table: col.table, column: col.column.name });
    out.enums.push(...recreate.before);
    if (recreate.dropOld) droppedEnumTypes.push(recreate.dropOld);
    out.grants.push(...privilegesOfCreatedSql(to, source, want, 'type'));
  }
  for (const c of of('composite-type.extra')) droppedEnumTypes.push(dropCompositeTypeSql(c.actual as CompositeType));

  // Views: drop what changes or depends on a changed table, recreate afterwards.
  const recreatedViews = planViews(source, to, changes, affectedTables, oldNames, out);
  // A materialized view that is dropped and created again brings its expected indexes
  // along (createViewsSql): its own index changes would act on a view that is not there.
  for (let i = changes.length - 1; i >= 0; i--) {
    const c = changes[i]!;
    if (c.kind.startsWith('index.') && recreatedViews.has(`${c.schema ?? 'public'}.${c.table}`)) changes.splice(i, 1);
  }

  // Foreign keys that must go before their tables, keys or column types change.
  const keyChanged = new Map<string, string[][]>();
  for (const c of [...of('pk.mismatch'), ...of('unique.extra')]) {
    const have = c.actual as PrimaryKey | UniqueConstraint | null;
    if (!have) continue;
    const list = keyChanged.get(key(ref(c))) ?? [];
    list.push(have.columns);
    keyChanged.set(key(ref(c)), list);
  }
  const fkDrops = new Map<string, { table: TableRef; fk: ForeignKey }>();
  const fkAdds: Array<{ table: TableRef; fk: ForeignKey }> = [];
  const fkId = (t: TableRef, fk: ForeignKey) => `${key(t)}|${fk.name}`;
  for (const c of of('fk.extra')) fkDrops.set(fkId(ref(c), c.actual as ForeignKey), { table: ref(c), fk: c.actual as ForeignKey });
  for (const c of of('fk.mismatch')) {
    const want = c.expected as ForeignKey;
    const have = c.actual as ForeignKey;
    if (want.name !== have.name && sameForeignKey(want, have)) continue; // renamed above
    fkDrops.set(fkId(ref(c), have), { table: ref(c), fk: have });
    fkAdds.push({ table: ref(c), fk: want });
  }
  for (const c of of('fk.missing')) fkAdds.push({ table: ref(c), fk: c.expected as ForeignKey });
  for (const table of source.tables) {
    for (const fk of table.foreignKeys) {
      if (fkDrops.has(fkId(table, fk))) continue;
      const target = { schema: fk.referencedSchema, name: fk.referencedTable };
      const dependsOnChange =
        droppedTables.has(key(table)) ||
        repartitioned.has(key(target)) ||
        fk.columns.some((col) => retyped.has(key(table, col))) ||
        fk.referencedColumns.some((col) => retyped.has(key(target, col))) ||
        (keyChanged.get(key(target)) ?? []).some((cols) => sameSet(cols, fk.referencedColumns));
      if (!dependsOnChange) continue;
      fkDrops.set(fkId(table, fk), { table, fk });
      const kept = droppedTables.has(key(table)) ? undefined : toTable(table)?.foreignKeys.find((x) => x.name === fk.name && sameForeignKey(x, fk));
      if (kept) fkAdds.push({ table, fk: kept });
    }
  }
  for (const { table, fk } of fkDrops.values()) {
    if (fk.name) out.dropKeys.push(dropConstraintSql(table, fk.name));
    else unsupported.push({ kind: 'fk.extra', table: table.name, expected: null, actual: fk, message: `foreign key on ${table.name} has no name and cannot be dropped` });
  }

  // Indexes, uniques, checks and primary keys that go away or change.
  for (const c of of('index.extra')) out.dropKeys.push(dropIndexSql(ref(c), c.actual as Index));
  for (const c of of('index.mismatch')) out.dropKeys.push(dropIndexSql(ref(c), c.actual as Index));
  for (const c of [...of('exclusion.extra'), ...of('exclusion.definition')]) {
    if (!droppedTables.has(key(ref(c)))) out.dropKeys.push(dropConstraintSql(ref(c), (c.actual as ExclusionConstraint).name));
  }
  for (const c of [...of('unique.extra'), ...of('check.extra')]) {
    const have = c.actual as UniqueConstraint | CheckConstraint;
    if (droppedTables.has(key(ref(c)))) continue;
    if (have.name) out.dropKeys.push(dropConstraintSql(ref(c), have.name));
    else unsupported.push(c);
  }
  // Indexes and checks comparing a recreated enum's column with a value of the old type
  // would block the column's rewrite: out before, back after (unless a change of their
  // own drops or creates them already).
  const named = (c: SchemaChange, side: unknown) => `${c.kind.split('.')[0]}|${key(ref(c))}|${(side as { name: string | null }).name}`;
  const droppedByChange = new Set(changes.filter((c) => ['index.extra', 'index.mismatch', 'check.extra'].includes(c.kind)).map((c) => named(c, c.actual)));
  const createdByChange = new Set(changes.filter((c) => ['index.missing', 'index.mismatch', 'check.missing'].includes(c.kind)).map((c) => named(c, c.expected)));
  const moved = new Set<string>();
  for (const { table, column } of blockingExpressions) {
    const target = toTable(table);
    const { indexes, checks } = expressionsUsingColumn(table, column);
    for (const index of indexes) {
      const id = `index|${key(table)}|${index.name}`;
      if (moved.has(id) || droppedByChange.has(id)) continue;
      moved.add(id);
      out.dropKeys.push(dropIndexSql(table, index));
      const wanted = target?.indexes.find((i) => i.name === index.name);
      if (wanted && !createdByChange.has(id)) out.addKeys.push(createIndexSql(table, wanted));
    }
    for (const check of checks) {
      const id = `check|${key(table)}|${check.name}`;
      if (check.name === null || moved.has(id) || droppedByChange.has(id)) continue;
      moved.add(id);
      out.dropKeys.push(dropConstraintSql(table, check.name));
      const wanted = target?.checks.find((c) => c.name === check.name);
      if (wanted && !createdByChange.has(id)) out.addKeys.push(addConstraintSql(table, checkClause(wanted)));
    }
  }
  const pkAdds: Array<{ table: TableRef; pk: PrimaryKey }> = [];
  for (const c of of('pk.mismatch')) {
    const want = c.expected as PrimaryKey | null;
    const have = c.actual as PrimaryKey | null;
    if (want && have && sameSet(want.columns, have.columns) && want.columns.join() === have.columns.join()) continue; // renamed above
    if (have) out.dropKeys.push(dropConstraintSql(ref(c), have.name ?? `${c.table}_pkey`));
    if (want) pkAdds.push({ table: ref(c), pk: want });
  }
  for (const c of of('table.extra')) out.dropTables.push(dropTableSql(ref(c)));

  // New tables, then column changes of kept tables.
  for (const c of of('table.missing')) {
    const table = c.expected as Table;
    out.tables.push(createTableSql(table, to.sequences));
    for (const part of table.partitioning?.partitions ?? []) {
      out.tables.push(createPartitionSql(table, part));
      const own = partitionObjectsSql(part);
      out.addKeys.push(...own.keys);
      out.foreignKeys.push(...own.foreignKeys);
      out.triggers.push(...own.triggers);
    }
    out.tables.push(...tableCommentsSql(table));
    for (const index of table.indexes) out.addKeys.push(createIndexSql(table, index));
    for (const fk of table.foreignKeys) fkAdds.push({ table, fk });
    for (const trigger of table.triggers) out.triggers.push(...createTriggerSql(table, trigger));
    if (table.rowSecurity) out.triggers.push(...rowSecuritySql(table, table.rowSecurity));
    for (const policy of table.policies ?? []) out.triggers.push(createPolicySql(table, policy));
  }
  for (const c of of('column.extra')) out.columns.push(alterTable(ref(c), `DROP COLUMN ${q(c.column!)}`));
  for (const c of of('column.missing')) out.columns.push(alterTable(ref(c), `ADD COLUMN ${columnDefinition(c.expected as Column, to.sequences)}`));
  const defaultsDone = new Set<string>();
  for (const c of of('column.type')) {
    const table = ref(c);
    const before = sourceTable(table)?.columns.find((x) => x.name === c.column);
    const after = toTable(table)?.columns.find((x) => x.name === c.column);
    // A default of the old type may not cast to the new one: drop it, then set the new one.
    if (before?.default != null) out.columns.push(alterTable(table, `ALTER COLUMN ${q(c.column!)} DROP DEFAULT`));
    out.columns.push(alterColumnTypeSql(table, c.column!, c.expected as string, after?.collation ?? null));
    if (before?.default != null && after?.default != null && !after.identity && !after.generated) {
      out.columns.push(alterTable(table, `ALTER COLUMN ${q(c.column!)} SET DEFAULT ${after.default}`));
    }
    if (before?.default != null) defaultsDone.add(key(table, c.column));
  }
  for (const c of of('comment.mismatch')) out.columns.push(commentSql(ref(c), c.column, c.expected as string | null));
  for (const c of of('partition.missing')) {
    const part = c.expected as Partition;
    const detached = source.tables.some((t) => t.schema === part.schema && t.name === part.name);
    if (detached) {
      out.tables.push(attachPartitionSql(ref(c), part));
      continue;
    }
    out.tables.push(createPartitionSql(ref(c), part));
    const own = partitionObjectsSql(part);
    out.addKeys.push(...own.keys);
    out.foreignKeys.push(...own.foreignKeys);
    out.triggers.push(...own.triggers);
  }
  for (const c of of('partition.bound')) out.tables.push(detachPartitionSql(ref(c), c.actual as Partition), attachPartitionSql(ref(c), c.expected as Partition));
  for (const c of of('partition.extra')) out.dropTables.push(dropPartitionSql(ref(c), c.actual as Partition));
  for (const c of of('column.collation')) {
    if (retyped.has(key(ref(c), c.column))) continue; // the type change sets the collation
    const after = toTable(ref(c))?.columns.find((x) => x.name === c.column);
    if (after) out.columns.push(alterColumnCollationSql(ref(c), c.column!, after.type, after.collation ?? null));
  }
  for (const c of of('table.options')) {
    const want = (c.expected as string[]).includes('unlogged');
    if (want !== (c.actual as string[]).includes('unlogged')) out.columns.push(setLoggedSql(ref(c), want));
  }
  for (const c of of('column.nullable')) out.columns.push(setNullableSql(ref(c), c.column!, c.expected as boolean));
  for (const c of of('column.default')) {
    const table = ref(c);
    if (defaultsDone.has(key(table, c.column)) && !/^generated /i.test(String(c.expected ?? '')) && !/^generated /i.test(String(c.actual ?? ''))) {
      const after = toTable(table)?.columns.find((x) => x.name === c.column);
      if (after?.default === c.expected || c.expected === null) continue;
    }
    const sql = alterDefaultSql(table, c.column!, c.expected as string | null, c.actual as string | null);
    if (sql) {
      out.columns.push(...sql);
      continue;
    }
    // A new generation expression: the column holds no data of its own, so rebuild it,
    // unless an index or constraint of the target uses it (they would be lost with it).
    const after = toTable(table);
    const column = after?.columns.find((x) => x.name === c.column);
    if (column && after && !usesColumn(after, column.name)) {
      out.columns.push(alterTable(table, `DROP COLUMN ${q(column.name)}, ADD COLUMN ${columnDefinition(column)}`));
    } else {
      unsupported.push({ ...c, message: `${c.message} (changing the expression of a generated column that an index or constraint uses needs a manual migration)` });
    }
  }

  // New keys, checks, indexes, then foreign keys.
  for (const { table, pk } of pkAdds) out.addKeys.push(addConstraintSql(table, primaryKeyClause(pk)));
  for (const c of of('unique.missing')) out.addKeys.push(addConstraintSql(ref(c), uniqueClause(c.expected as UniqueConstraint)));
  for (const c of of('check.missing')) out.addKeys.push(addConstraintSql(ref(c), checkClause(c.expected as CheckConstraint)));
  for (const c of [...of('exclusion.missing'), ...of('exclusion.definition')]) out.addKeys.push(addConstraintSql(ref(c), exclusionClause(c.expected as ExclusionConstraint)));
  for (const c of [...of('index.missing'), ...of('index.mismatch')]) out.addKeys.push(createIndexSql(ref(c), c.expected as Index));
  for (const { table, fk } of fkAdds) out.foreignKeys.push(addConstraintSql(table, foreignKeyClause(fk)));
  out.dropEnums.push(...droppedEnumTypes);
  planRoutines(changes, ref, out, new Set(of('table.missing').map((c) => (c.expected as Table).name.toLowerCase())), to, source);
  // Privileges (opt-in): revoked before anything is dropped, granted once every object exists.
  for (const c of of('grant.extra')) out.dropViews.unshift(revokeFixSql(c.actual as Grant, to));
  for (const c of of('grant.missing')) out.grants.push(...grantFixSql(c.expected as Grant, source));
  // Default privileges last: set earlier, they would give the objects this plan creates privileges of their own.
  for (const c of of('default-privilege.extra')) out.grants.push(...defaultPrivilegeFixSql(c.actual as DefaultPrivilege, false, source));
  for (const c of of('default-privilege.missing')) out.grants.push(...defaultPrivilegeFixSql(c.expected as DefaultPrivilege, true, source));

  return { statements: out.ordered(), unsupported };
}

/** Kinds whose object lives in a table, so a table dropped and created again brings it as expected. */
const INSIDE_A_TABLE = /^(column|pk|fk|unique|check|index|exclusion|trigger|policy|rls|partition|comment|grant)\.|^table\.options$/;

/**
 * A table whose partitioning changes (PostgreSQL cannot change it in place) becomes a
 * dropped table and a new one in `changes`, its other changes left to the new table;
 * its rows are copied aside before anything is dropped and back once the new table and
 * its partitions exist, before its triggers and policies. Returns the `schema.name` of
 * each such table (the foreign keys that reference it are dropped and added back).
 */
function repartitionTables(changes: SchemaChange[], source: Schema, to: Schema, out: Phases): Set<string> {
  const key = (t: { schema?: string; name: string }) => `${t.schema ?? 'public'}.${t.name}`;
  const done = new Set<string>();
  for (const c of changes.filter((x) => x.kind === 'table.partitioning')) {
    const live = source.tables.find((t) => key(t) === key({ schema: c.schema, name: c.table }));
    const want = to.tables.find((t) => key(t) === key({ schema: c.schema, name: c.table }));
    if (!live || !want) continue;
    done.add(key(want));
    out.setup.push(...repartitionBeforeSql(live, want));
    out.columns.push(...repartitionAfterSql(live, want));
    out.grants.push(...privilegesOfCreatedSql(to, source, want, 'table'));
  }
  for (let i = changes.length - 1; i >= 0; i--) {
    const c = changes[i]!;
    if ((c.kind === 'table.partitioning' || INSIDE_A_TABLE.test(c.kind)) && done.has(key({ schema: c.schema, name: c.table }))) changes.splice(i, 1);
  }
  for (const k of done) {
    const live = source.tables.find((t) => key(t) === k)!;
    const want = to.tables.find((t) => key(t) === k)!;
    const schema = want.schema === 'public' ? {} : { schema: want.schema };
    changes.push({ kind: 'table.extra', table: want.name, ...schema, expected: null, actual: live, message: `table ${k} is dropped to change its partitioning` });
    changes.push({ kind: 'table.missing', table: want.name, ...schema, expected: want, actual: null, message: `table ${k} is created again with its new partitioning` });
  }
  return done;
}

/** Statement lists in the order they run. */
class Phases {
  setup: string[] = [];
  dropViews: string[] = [];
  dropKeys: string[] = [];
  dropTables: string[] = [];
  enums: string[] = [];
  tables: string[] = [];
  columns: string[] = [];
  routines: string[] = [];
  /** Routines whose signature uses the row type of a table this plan creates. */
  rowTypeRoutines: string[] = [];
  addKeys: string[] = [];
  foreignKeys: string[] = [];
  triggers: string[] = [];
  dropEnums: string[] = [];
  dropRoutines: string[] = [];
  createViews: string[] = [];
  grants: string[] = [];

  ordered(): string[] {
    return [
      ...this.setup,
      ...this.dropViews,
      ...this.dropKeys,
      ...this.dropTables,
      ...this.enums,
      ...this.routines,
      ...this.tables,
      ...this.columns,
      ...this.rowTypeRoutines,
      ...this.addKeys,
      ...this.foreignKeys,
      ...this.triggers,
      ...this.dropEnums,
      ...this.dropRoutines,
      ...this.createViews,
      ...this.grants,
    ];
  }
}

/**
 * Triggers, row-level security, policies, functions and sequences of kept tables and
 * schemas: what goes away or changes shape is dropped early, functions and sequences are
 * created before the tables that call them, triggers and policies after every table and
 * key exists, and functions and sequences that go away last.
 */
function planRoutines(changes: SchemaChange[], ref: (c: SchemaChange) => TableRef, out: Phases, newRowTypes: Set<string>, to: Schema, source: Schema): void {
  // Aggregates after the functions they call; a routine on a new table's row type after the table.
  const routines = (fn: SchemaFunction) => (signatureTypeNames(fn).some((n) => newRowTypes.has(n)) ? out.rowTypeRoutines : out.routines);
  const aggregates: Array<{ list: string[]; sql: string[] }> = [];
  const create = (fn: SchemaFunction, sql: string[]) => (fn.kind === 'aggregate' ? aggregates.push({ list: routines(fn), sql }) : routines(fn).push(...sql));
  for (const c of changes) {
    const table = ref(c);
    switch (c.kind) {
      case 'trigger.extra':
        out.dropKeys.push(dropTriggerSql(table, c.actual as Trigger));
        break;
      case 'trigger.definition':
        out.dropKeys.push(dropTriggerSql(table, c.actual as Trigger));
        out.triggers.push(...createTriggerSql(table, c.expected as Trigger));
        break;
      case 'trigger.missing':
        out.triggers.push(...createTriggerSql(table, c.expected as Trigger));
        break;
      case 'trigger.enabled':
        out.triggers.push(triggerStateSql(table, c.name!, c.expected as NonNullable<Trigger['enabled']>));
        break;
      case 'rls.mismatch':
        out.triggers.push(...rowSecuritySql(table, c.expected as RowSecurity, c.actual as RowSecurity));
        break;
      case 'policy.extra':
        out.dropKeys.push(dropPolicySql(table, c.actual as Policy));
        break;
      case 'policy.definition':
        out.dropKeys.push(dropPolicySql(table, c.actual as Policy));
        out.triggers.push(createPolicySql(table, c.expected as Policy));
        break;
      case 'policy.missing':
        out.triggers.push(createPolicySql(table, c.expected as Policy));
        break;
      case 'function.missing':
        create(c.expected as SchemaFunction, createFunctionSql(c.expected as SchemaFunction));
        out.grants.push(...privilegesOfCreatedSql(to, source, c.expected as SchemaFunction, (c.expected as SchemaFunction).kind));
        break;
      case 'function.definition': {
        const want = c.expected as SchemaFunction;
        const have = c.actual as SchemaFunction;
        create(want, [...(replaceableFunction(have, want) ? [] : [dropFunctionSql(have)]), ...createFunctionSql(want)]);
        if (!replaceableFunction(have, want)) out.grants.push(...privilegesOfCreatedSql(to, source, want, want.kind));
        break;
      }
      case 'function.extra':
        // An aggregate goes before the functions it calls.
        if ((c.actual as SchemaFunction).kind === 'aggregate') out.dropRoutines.unshift(dropFunctionSql(c.actual as SchemaFunction));
        else out.dropRoutines.push(dropFunctionSql(c.actual as SchemaFunction));
        break;
      case 'sequence.missing':
        out.routines.unshift(...createSequenceSql(c.expected as Sequence));
        break;
      case 'sequence.mismatch':
        out.triggers.unshift(alterSequenceSql(c.expected as Sequence));
        break;
      case 'sequence.extra':
        out.dropRoutines.push(dropSequenceSql(c.actual as Sequence));
        break;
      case 'extension.missing':
        out.enums.unshift(...(c.actual ? alterExtensionSql(c.expected as Extension, c.actual as Extension) : [createExtensionSql(c.expected as Extension)]));
        break;
      case 'extension.extra':
        out.dropRoutines.push(dropExtensionSql(c.actual as Extension));
        break;
      default:
        break;
    }
  }
  for (const { list, sql } of aggregates) list.push(...sql);
}

function newNamespaces(from: Schema, to: Schema): string[] {
  const namespaces = (s: Schema) => [...(s.extensions ?? []).map((e) => e.schema), ...s.tables.map((t) => t.schema), ...s.enums.map((e) => e.schema), ...s.views.map((v) => v.schema), ...(s.functions ?? []).map((f) => f.schema), ...(s.sequences ?? []).map((q) => q.schema), ...(s.domains ?? []).map((d) => d.schema), ...(s.compositeTypes ?? []).map((t) => t.schema)];
  const existing = new Set(['public', ...namespaces(from)]);
  const wanted = new Set(namespaces(to));
  return [...wanted].filter((s) => !existing.has(s)).sort();
}

/**
 * Applies confirmed renames to `source` (a copy of `from`) and emits their statements, so
 * the diff that follows sees only what else changed. Returns new name → old name of every
 * renamed table, for matching view bodies that still spell the old name.
 */
function applyRenames(source: Schema, to: Schema, renames: RenameHint[], out: string[]): Map<string, string> {
  const oldNames = new Map<string, string>();
  const renamedTables = new Set<Table>();
  for (const hint of renames.filter((r) => r.isTable)) {
    const table = source.tables.find((t) => t.name === hint.from);
    if (!table) throw badHint(hint, `there is no table ${hint.from}`);
    out.push(`ALTER TABLE ${qualify(table.schema, hint.from)} RENAME TO ${q(hint.to)};`);
    table.name = hint.to;
    oldNames.set(hint.to, hint.from);
    for (const seq of source.sequences ?? []) if (seq.ownedBy?.schema === table.schema && seq.ownedBy.table === hint.from) seq.ownedBy.table = hint.to;
    // A renamed table keeps its privileges.
    for (const g of source.grants ?? []) if (g.schema === table.schema && g.name === hint.from) g.name = hint.to;
    renamedTables.add(table);
    for (const other of source.tables) {
      for (const fk of other.foreignKeys) if (fk.referencedSchema === table.schema && fk.referencedTable === hint.from) fk.referencedTable = hint.to;
    }
  }
  for (const hint of renames.filter((r) => !r.isTable)) {
    const table = source.tables.find((t) => t.name === hint.table) ?? source.tables.find((t) => oldNames.get(t.name) === hint.table);
    const column = table?.columns.find((c) => c.name === hint.from);
    if (!table || !column) throw badHint(hint, `there is no column ${hint.table}.${hint.from}`);
    out.push(alterTable(table, `RENAME COLUMN ${q(hint.from)} TO ${q(hint.to)}`));
    column.name = hint.to;
    renamedTables.add(table);
    for (const g of source.grants ?? []) if (g.schema === table.schema && g.name === table.name && g.column === hint.from) g.column = hint.to;
    for (const seq of source.sequences ?? []) {
      if (seq.ownedBy?.schema === table.schema && seq.ownedBy.table === table.name && seq.ownedBy.column === hint.from) seq.ownedBy.column = hint.to;
    }
    const rename = (cols: string[]) => cols.map((c) => (c === hint.from ? hint.to : c));
    if (table.primaryKey) table.primaryKey.columns = rename(table.primaryKey.columns);
    for (const u of table.uniques) u.columns = rename(u.columns);
    for (const fk of table.foreignKeys) fk.columns = rename(fk.columns);
    for (const index of table.indexes) for (const k of index.keys) if (k.column === hint.from) k.column = hint.to;
    for (const other of source.tables) {
      for (const fk of other.foreignKeys) {
        if (fk.referencedSchema === table.schema && fk.referencedTable === table.name) fk.referencedColumns = rename(fk.referencedColumns);
      }
    }
  }
  // A serial column keeps its sequence name across renames; rename the sequence to what
  // the target's default names, or the default would point at a sequence that does not exist.
  for (const table of renamedTables) {
    const target = to.tables.find((t) => t.schema === table.schema && t.name === table.name);
    for (const column of table.columns) {
      const was = sequenceOf(column.default);
      const wanted = sequenceOf(target?.columns.find((c) => c.name === column.name)?.default ?? null);
      if (!was || !wanted || was === wanted) continue;
      const newName = wanted.split('.').pop()!.replace(/^"(.*)"$/, '$1').replace(/""/g, '"');
      out.push(`ALTER SEQUENCE ${quoteRegclass(was)} RENAME TO ${q(newName)};`);
      const oldName = was.split('.').pop()!.replace(/^"(.*)"$/, '$1').replace(/""/g, '"');
      const renamed = source.sequences?.find((s) => s.schema === table.schema && s.name === oldName);
      if (renamed) renamed.name = newName;
      column.default = column.default!.replace(`'${was.replace(/'/g, "''")}'`, `'${wanted.replace(/'/g, "''")}'`);
    }
  }
  return oldNames;
}

/** `users_id_seq`, `"Odd"."Seq"` (regclass text) → every part quoted. */
function quoteRegclass(text: string): string {
  const parts = text.match(/"(?:[^"]|"")*"|[^."]+/g) ?? [text];
  return parts.map((part) => (part.startsWith('"') ? part : q(part))).join('.');
}

function sequenceOf(value: string | null): string | null {
  const match = value ? /^nextval\('((?:[^']|'')+)'::regclass\)$/.exec(value) : null;
  return match ? match[1]!.replace(/''/g, "'") : null;
}

function badHint(hint: RenameHint, problem: string): LockstepError {
  const text = hint.isTable ? `${hint.from}=${hint.to}` : `${hint.table}.${hint.from}=${hint.to}`;
  return new LockstepError(`cannot apply rename ${text}: ${problem} in the current schema`, {
    hint: 'Check the --rename arguments against the tables and columns the migrations create.',
  });
}

/** Constraints and indexes whose definition is unchanged but whose name differs are renamed in place. */
function renameConstraints(changes: SchemaChange[], ref: (c: SchemaChange) => TableRef, out: string[]): void {
  const renameConstraint = (c: SchemaChange, from: string, to: string) => out.push(alterTable(ref(c), `RENAME CONSTRAINT ${q(from)} TO ${q(to)}`));
  for (const c of changes) {
    if (c.kind === 'pk.mismatch') {
      const want = c.expected as PrimaryKey | null;
      const have = c.actual as PrimaryKey | null;
      if (want?.name && have?.name && want.name !== have.name && want.columns.join() === have.columns.join()) renameConstraint(c, have.name, want.name);
    } else if (c.kind === 'fk.mismatch') {
      const want = c.expected as ForeignKey;
      const have = c.actual as ForeignKey;
      if (want.name && have.name && want.name !== have.name && sameForeignKey(want, have)) renameConstraint(c, have.name, want.name);
    }
  }
  // missing + extra of the same definition on the same table: a rename.
  const pairs: Array<[SchemaChange['kind'], SchemaChange['kind'], (x: never) => string]> = [
    ['unique.missing', 'unique.extra', (u: UniqueConstraint) => u.columns.join('\u0000')],
    ['check.missing', 'check.extra', (k: CheckConstraint) => normalizeExpression(k.expression)],
    ['index.missing', 'index.extra', (i: Index) => indexDefinition(i)],
  ];
  for (const [missingKind, extraKind, definition] of pairs) {
    const extras = changes.filter((c) => c.kind === extraKind);
    for (const missing of changes.filter((c) => c.kind === missingKind)) {
      const want = missing.expected as { name: string | null };
      const match = extras.find((x) => x.table === missing.table && x.schema === missing.schema && definition(x.actual as never) === definition(want as never));
      const have = match?.actual as { name: string | null } | undefined;
      if (!match || !want.name || !have?.name) continue;
      extras.splice(extras.indexOf(match), 1);
      changes.splice(changes.indexOf(match), 1);
      changes.splice(changes.indexOf(missing), 1);
      if (missingKind === 'index.missing') out.push(`ALTER INDEX ${qualify(ref(missing).schema, have.name)} RENAME TO ${q(want.name)};`);
      else renameConstraint(missing, have.name, want.name);
    }
  }
}

function indexDefinition(index: Index): string {
  return JSON.stringify([
    index.unique,
    index.method,
    index.keys.map((k) => [k.column, k.expression === null ? null : normalizeExpression(k.expression), k.descending]),
    index.where === null ? null : normalizeExpression(index.where),
  ]);
}

/**
 * Drops the views that change or read a changed table (and, transitively, the views that
 * read those), dependents first, and recreates every one the target still has,
 * dependencies first.
 */
/** Drops and recreates the views that change or read what changes; returns the `schema.name` of each view dropped. */
function planViews(source: Schema, to: Schema, changes: SchemaChange[], affectedTables: Set<string>, oldNames: Map<string, string>, out: Phases): Set<string> {
  const vkey = (v: TableRef) => `${v.schema}.${v.name}`;
  const drop = new Map<string, View>();
  const create = new Map<string, View>();
  for (const c of changes) {
    if (c.kind === 'view.extra' || c.kind === 'view.definition') drop.set(vkey(c.actual as View), c.actual as View);
    if (c.kind === 'view.missing' || c.kind === 'view.definition') create.set(vkey(c.expected as View), c.expected as View);
  }
  const affectedNames = [...affectedTables].map((k) => k.slice(k.indexOf('.') + 1));
  const names = affectedNames.flatMap((n) => [n, ...(oldNames.has(n) ? [oldNames.get(n)!] : [])]);
  const seeds = new Set(drop.keys());
  // Views reading a changed table or a dropped view go too.
  for (const view of viewsDependingOn(source.views, (v) => seeds.has(vkey(v)) || names.some((n) => mentions(v.definition, n)))) drop.set(vkey(view), view);
  for (const view of drop.values()) {
    const target = to.views.find((v) => vkey(v) === vkey(view));
    if (target) create.set(vkey(target), target);
  }
  out.dropViews.push(...dropViewsSql([...drop.values()]));
  out.createViews.push(...createViewsSql([...create.values()]));
  // A view dropped and created again loses its privileges: given back as the target grants them.
  const recreated = [...create.values()].filter((v) => drop.has(vkey(v)));
  out.createViews.push(...recreated.flatMap((v) => privilegesOfCreatedSql(to, source, v, 'view')));
  return new Set(drop.keys());
}

function usesColumn(table: Table, column: string): boolean {
  return (
    table.primaryKey?.columns.includes(column) ||
    table.uniques.some((u) => u.columns.includes(column)) ||
    table.foreignKeys.some((f) => f.columns.includes(column)) ||
    table.indexes.some((i) => i.keys.some((k) => k.column === column || (k.expression !== null && mentions(k.expression, column)))) ||
    table.checks.some((c) => mentions(c.expression, column))
  );
}

function sameSet(a: string[], b: string[]): boolean {
  return a.length === b.length && a.every((x) => b.includes(x));
}
