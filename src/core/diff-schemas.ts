/**
 * The diff engine: expected schema vs actual schema → list of changes. Pure: no database,
 * no dialect, no I/O, so it is unit-tested with hand-built models and runs in
 * milliseconds on thousands of tables.
 *
 * Equivalent spellings are never changes: types, defaults and expressions are compared by
 * their keys from `normalize-sql.ts`, and constraints and indexes are matched by their
 * definition, not their name (unless `strictNames`).
 */
import {
  describeCheck,
  describeColumn,
  describeColumns,
  describeForeignKey,
  describeIndex,
  describePrimaryKey,
  describeUnique,
} from './describe-schema-object.js';
import { diffDefaultPrivileges, diffGrants } from './diff-grants.js';
import { diffCompositeTypes, diffDomains, diffExclusions, diffPartitioning, diffExtensions, diffFunctions, diffPolicies, diffRowSecurity, diffSequences, diffTriggers } from './diff-routines.js';
import { byKey, change, objectKey, qualified } from './diff-helpers.js';
import type { Column, DialectName, EnumType, ForeignKey, Index, Partition, PrimaryKey, Schema, Table, UniqueConstraint, View, VirtualTable } from './model.js';
import { normalizeDefault, normalizeExpression, normalizeType } from './normalize-sql.js';
import { CHANGE_KINDS, type ChangeKind, type SchemaChange, type SchemaDiff } from './schema-change.js';

export interface DiffOptions {
  /** Also report constraints and indexes whose definition matches but whose name differs. */
  strictNames?: boolean;
  /** Also report extensions whose installed version differs (off: servers of one fleet often differ there). */
  extensionVersions?: boolean;
  /** Also compare comments on tables and columns (PostgreSQL `COMMENT ON`), where both sides read them. */
  comments?: boolean;
  /** Also compare privileges on tables, views and sequences (PostgreSQL `GRANT`), where both sides read them. */
  grants?: boolean;
}

/**
 * Compares two schemas. "missing" = in `expected` but not in `actual`; "extra" = in
 * `actual` only. Changes are sorted by (schema, table, kind, column/name).
 *
 * @example
 * const diff = diffSchemas(expectedSchema, liveSchema);
 * if (!diff.ok) for (const change of diff.changes) console.log(change.message);
 */
export function diffSchemas(expected: Schema, actual: Schema, options: DiffOptions = {}): SchemaDiff {
  const strict = options.strictNames ?? false;
  const changes: SchemaChange[] = [];
  const actualTables = byKey(actual.tables, objectKey);
  const expectedTables = byKey(expected.tables, objectKey);

  for (const table of expected.tables) {
    const live = actualTables.get(objectKey(table));
    if (!live) {
      changes.push(change('table.missing', table, { expected: table, actual: null, message: `table ${qualified(table)} is missing (expected ${table.columns.length} column${table.columns.length === 1 ? '' : 's'})` }));
      continue;
    }
    diffTable(table, live, strict, changes, expected.dialect);
    diffPartitionObjects(table, live, strict, changes, expected.dialect);
    if (options.comments) diffComments(table, live, changes);
  }
  // A live table that the expected schema has as a partition (say, one detached) is that
  // partition's `partition.missing` (its fix attaches it), not a table to drop.
  const expectedPartitions = new Set(expected.tables.flatMap((t) => t.partitioning?.partitions ?? []).map(objectKey));
  for (const table of actual.tables) {
    if (!expectedTables.has(objectKey(table)) && !expectedPartitions.has(objectKey(table))) {
      changes.push(change('table.extra', table, { expected: null, actual: table, message: `table ${qualified(table)} exists but is not expected` }));
    }
  }
  diffEnums(expected.enums, actual.enums, changes);
  if (expected.domains && actual.domains) diffDomains(expected.domains, actual.domains, changes);
  if (expected.compositeTypes && actual.compositeTypes) diffCompositeTypes(expected.compositeTypes, actual.compositeTypes, changes);
  diffViews(expected.views, actual.views, strict, changes);
  if (expected.functions && actual.functions) diffFunctions(expected.functions, actual.functions, changes);
  if (expected.sequences && actual.sequences) diffSequences(expected, actual, changes);
  if (expected.extensions && actual.extensions) diffExtensions(expected.extensions, actual.extensions, options.extensionVersions ?? false, changes);
  diffVirtualTables(expected.virtualTables ?? [], actual.virtualTables ?? [], changes);
  // Grants on schemas, functions and types came with `defaultPrivileges`: a source without it read only those on relations.
  const allGrants = expected.defaultPrivileges !== undefined && actual.defaultPrivileges !== undefined;
  if (options.grants && expected.grants && actual.grants) diffGrants(expected.grants, actual.grants, actual.roles, changes, !allGrants);
  if (options.grants && allGrants) diffDefaultPrivileges(expected.defaultPrivileges!, actual.defaultPrivileges!, actual.roles, changes);
  return { ok: changes.length === 0, changes: sortChanges(changes) };
}

function diffTable(expected: Table, actual: Table, strict: boolean, changes: SchemaChange[], dialect: DialectName): void {
  const name = qualified(expected);
  const hasOptions = (expected.options?.length ?? 0) + (actual.options?.length ?? 0) > 0;
  const wantedOptions = hasOptions ? optionsText(expected.options) : '';
  const foundOptions = hasOptions ? optionsText(actual.options) : '';
  if (wantedOptions !== foundOptions) {
    changes.push(change('table.options', expected, { expected: expected.options ?? [], actual: actual.options ?? [], message: `table ${name} has ${foundOptions || 'no options'}, expected ${wantedOptions || 'no options'}` }));
  }
  const liveColumns = byKey(actual.columns, (c) => c.name);
  const expectedColumns = byKey(expected.columns, (c) => c.name);
  for (const column of expected.columns) {
    const live = liveColumns.get(column.name);
    if (!live) {
      changes.push(change('column.missing', expected, { column: column.name, expected: column, actual: null, message: `column ${name}.${column.name} is missing (expected ${describeColumn(column)})` }));
    } else {
      diffColumn(expected, column, live, changes, dialect);
    }
  }
  for (const column of actual.columns) {
    if (!expectedColumns.has(column.name)) {
      changes.push(change('column.extra', expected, { column: column.name, expected: null, actual: column, message: `column ${name}.${column.name} exists but is not expected (${describeColumn(column)})` }));
    }
  }

  // Deferrability and NULLS NOT DISTINCT are compared only when both sides read them.
  const keys = [expected.primaryKey, actual.primaryKey, ...expected.foreignKeys, ...actual.foreignKeys, ...expected.uniques, ...actual.uniques];
  const keyDetails = keys.every((k) => k === null || k.deferrable !== undefined);
  diffPrimaryKey(expected, expected.primaryKey, actual.primaryKey, strict, changes, keyDetails);

  const fkKey = (fk: ForeignKey) => JSON.stringify([fk.columns, fk.referencedSchema, fk.referencedTable, fk.referencedColumns, fk.onDelete, fk.onUpdate, keyDetails ? (fk.deferrable ?? null) : null]);
  const fks = matchByDefinition(expected.foreignKeys, actual.foreignKeys, fkKey, strict, (e, a) => e.columns.join() === a.columns.join());
  const fkText = (fk: ForeignKey) => `foreign key ${fk.name ? `${fk.name} ` : ''}${name}${describeForeignKey(fk, expected.schema)}`;
  for (const fk of fks.missing) changes.push(change('fk.missing', expected, { name: fk.name ?? undefined, expected: fk, actual: null, message: `${fkText(fk)} is missing` }));
  for (const fk of fks.extra) changes.push(change('fk.extra', expected, { name: fk.name ?? undefined, expected: null, actual: fk, message: `${fkText(fk)} exists but is not expected` }));
  for (const [e, a] of fks.mismatched) {
    changes.push(change('fk.mismatch', expected, { name: e.name ?? a.name ?? undefined, expected: e, actual: a, message: `foreign key on ${name}${describeColumns(e.columns)} is ${describeForeignKey(a, expected.schema).replace(/^\(.*?\) /, '')}, expected ${describeForeignKey(e, expected.schema).replace(/^\(.*?\) /, '')}` }));
  }

  const uniqueKey = (u: UniqueConstraint) => JSON.stringify(keyDetails ? [u.columns, u.nullsNotDistinct ?? false, u.deferrable ?? null] : [u.columns]);
  const uniques = matchByDefinition(expected.uniques, actual.uniques, uniqueKey, strict);
  for (const u of [...uniques.missing, ...uniques.mismatched.map(([e]) => e)]) {
    changes.push(change('unique.missing', expected, { name: u.name ?? undefined, expected: u, actual: null, message: `${describeUnique(u)} on ${name} is missing${u.name ? ` (${u.name})` : ''}` }));
  }
  for (const u of [...uniques.extra, ...uniques.mismatched.map(([, a]) => a)]) {
    changes.push(change('unique.extra', expected, { name: u.name ?? undefined, expected: null, actual: u, message: `${describeUnique(u)} on ${name} exists but is not expected${u.name ? ` (${u.name})` : ''}` }));
  }

  diffIndexes(expected, expected.indexes, actual.indexes, strict, changes);

  const checks = matchByDefinition(expected.checks, actual.checks, (c) => normalizeExpression(c.expression), strict);
  for (const c of [...checks.missing, ...checks.mismatched.map(([e]) => e)]) {
    changes.push(change('check.missing', expected, { name: c.name ?? undefined, expected: c, actual: null, message: `${describeCheck(c)} on ${name} is missing${c.name ? ` (${c.name})` : ''}` }));
  }
  for (const c of [...checks.extra, ...checks.mismatched.map(([, a]) => a)]) {
    changes.push(change('check.extra', expected, { name: c.name ?? undefined, expected: null, actual: c, message: `${describeCheck(c)} on ${name} exists but is not expected${c.name ? ` (${c.name})` : ''}` }));
  }

  if (expected.exclusions && actual.exclusions) diffExclusions(expected, actual, changes);
  if (expected.partitioning !== undefined && actual.partitioning !== undefined) diffPartitioning(expected, actual, changes);
  diffTriggers(expected, expected.triggers, actual.triggers, changes);
  diffRowSecurity(expected, actual, changes);
  if (expected.policies && actual.policies) diffPolicies(expected, actual, changes);
}

/**
 * The own objects of each partition both sides have (an index or foreign key created on
 * the partition itself), compared as a table's are: the changes name the partition.
 */
function diffPartitionObjects(expected: Table, actual: Table, strict: boolean, changes: SchemaChange[], dialect: DialectName): void {
  const live = new Map((actual.partitioning?.partitions ?? []).map((p) => [objectKey(p), p]));
  for (const part of expected.partitioning?.partitions ?? []) {
    const found = live.get(objectKey(part));
    if (!part.own || !found?.own) continue;
    const asTable = (p: Partition): Table => ({ schema: p.schema, name: p.name, columns: [], primaryKey: null, ...p.own! });
    diffTable(asTable(part), asTable(found), strict, changes, dialect);
  }
}

function diffVirtualTables(expected: VirtualTable[], actual: VirtualTable[], changes: SchemaChange[]): void {
  const live = byKey(actual, objectKey);
  const wanted = byKey(expected, objectKey);
  const text = (v: VirtualTable) => `using ${v.module}(${v.arguments})`;
  for (const table of expected) {
    const found = live.get(objectKey(table));
    if (!found) {
      changes.push(change('virtual-table.missing', table, { name: table.name, expected: table, actual: null, message: `virtual table ${qualified(table)} is missing (expected ${text(table)})` }));
    } else if (table.module !== found.module || normalizeExpression(table.arguments) !== normalizeExpression(found.arguments)) {
      changes.push(change('virtual-table.definition', table, { name: table.name, expected: table, actual: found, message: `virtual table ${qualified(table)} is ${text(found)}, expected ${text(table)}` }));
    }
  }
  for (const table of actual) {
    if (!wanted.has(objectKey(table))) {
      changes.push(change('virtual-table.extra', table, { name: table.name, expected: null, actual: table, message: `virtual table ${qualified(table)} exists but is not expected (${text(table)})` }));
    }
  }
}

/** Comments of a table and its columns (opt-in), each compared where both sides read it. */
function diffComments(expected: Table, actual: Table, changes: SchemaChange[]): void {
  const text = (c: string | null) => (c === null ? 'no comment' : `comment ${JSON.stringify(c)}`);
  if (expected.comment !== undefined && actual.comment !== undefined && expected.comment !== actual.comment) {
    changes.push(change('comment.mismatch', expected, { expected: expected.comment, actual: actual.comment, message: `table ${qualified(expected)} has ${text(actual.comment)}, expected ${text(expected.comment)}` }));
  }
  for (const column of expected.columns) {
    const live = actual.columns.find((c) => c.name === column.name);
    if (!live || column.comment === undefined || live.comment === undefined || column.comment === live.comment) continue;
    changes.push(change('comment.mismatch', expected, { column: column.name, expected: column.comment, actual: live.comment, message: `column ${qualified(expected)}.${column.name} has ${text(live.comment)}, expected ${text(column.comment)}` }));
  }
}

/** Table options (`strict, without rowid`) as one comparable, readable text. */
function optionsText(options: string[] | undefined): string {
  return [...(options ?? [])].map((o) => o.toLowerCase().replace(/\s+/g, ' ')).sort().join(', ');
}

function diffColumn(table: Table, expected: Column, actual: Column, changes: SchemaChange[], dialect: DialectName): void {
  const where = `column ${qualified(table)}.${expected.name}`;
  const wantedType = typeWithoutCollation(expected);
  const foundType = typeWithoutCollation(actual);
  if (normalizeType(wantedType) !== normalizeType(foundType)) {
    changes.push(change('column.type', table, { column: expected.name, expected: wantedType, actual: foundType, message: `${where} has type ${foundType}, expected ${wantedType}` }));
  }
  const wantedCollation = collationOf(expected);
  const foundCollation = collationOf(actual);
  if (wantedCollation !== foundCollation) {
    // Compared folded, shown as the column spells it (PostgreSQL's `"C"`, SQLite's `nocase`).
    const text = (column: Column, folded: string | null) => (folded === null ? 'the default collation' : `collation ${column.collation ?? folded}`);
    changes.push(change('column.collation', table, { column: expected.name, expected: wantedCollation, actual: foundCollation, message: `${where} has ${text(actual, foundCollation)}, expected ${text(expected, wantedCollation)}` }));
  }
  if (expected.nullable !== actual.nullable) {
    changes.push(change('column.nullable', table, { column: expected.name, expected: expected.nullable, actual: actual.nullable, message: `${where} is ${nullText(actual.nullable)}, expected ${nullText(expected.nullable)}` }));
  }
  const wanted = effectiveDefault(expected, dialect);
  const found = effectiveDefault(actual, dialect);
  if (normalizeDefault(wanted) !== normalizeDefault(found)) {
    changes.push(change('column.default', table, { column: expected.name, expected: wanted, actual: found, message: `${where} has ${found === null ? 'no default' : `default ${found}`}, expected ${wanted === null ? 'no default' : `default ${wanted}`}` }));
  }
}

/**
 * Identity and generated columns have no ChangeKind of their own; they are compared as
 * the column's default (`generated by default as identity`,
 * `generated always as (price * qty) stored`), which is where the SQL puts them too.
 * SQLite's model marks a stored generated column with a trailing ` stored`; without it
 * the column is virtual (PostgreSQL's are always stored).
 */
function effectiveDefault(column: Column, dialect: DialectName): string | null {
  if (column.identity) return `generated ${column.identity} as identity`;
  if (column.generated) {
    const stored = column.generated.endsWith(' stored');
    const expression = stored ? column.generated.slice(0, -' stored'.length) : column.generated;
    return `generated always as (${expression}) ${stored || dialect !== 'sqlite' ? 'stored' : 'virtual'}`;
  }
  return column.default;
}

/**
 * A column's collation; a snapshot written before `collation` existed kept a SQLite
 * collation as a ` collate <name>` suffix of the type.
 */
function collationOf(column: Column): string | null {
  const collation = column.collation !== undefined ? column.collation : column.type.includes(' collate ') ? (/ collate (\S+)$/.exec(column.type)?.[1] ?? null) : null;
  return collation === null || collation.toLowerCase() === 'binary' ? null : collation.toLowerCase();
}

function typeWithoutCollation(column: Column): string {
  return column.collation === undefined && column.type.includes(' collate ') ? column.type.replace(/ collate \S+$/, '') : column.type;
}

function diffPrimaryKey(table: Table, expected: PrimaryKey | null, actual: PrimaryKey | null, strict: boolean, changes: SchemaChange[], details: boolean): void {
  const pkKey = (pk: PrimaryKey | null) => (pk ? JSON.stringify([pk.columns, details ? (pk.deferrable ?? null) : null]) : null);
  const sameColumns = pkKey(expected) === pkKey(actual);
  const sameName = !strict || !expected || !actual || expected.name === null || actual.name === null || expected.name === actual.name;
  if (sameColumns && sameName) return;
  const message = sameColumns
    ? `primary key of ${qualified(table)} is named ${actual!.name}, expected ${expected!.name}`
    : `${qualified(table)} has ${describePrimaryKey(actual)}, expected ${describePrimaryKey(expected)}`;
  changes.push(change('pk.mismatch', table, { name: expected?.name ?? actual?.name ?? undefined, expected, actual, message }));
}

function diffEnums(expected: EnumType[], actual: EnumType[], changes: SchemaChange[]): void {
  const live = byKey(actual, objectKey);
  const wanted = byKey(expected, objectKey);
  for (const type of expected) {
    const found = live.get(objectKey(type));
    if (!found) {
      changes.push(change('enum.missing', type, { name: type.name, expected: type, actual: null, message: `enum ${qualified(type)} is missing (expected ${valuesText(type)})` }));
    } else if (type.values.join('\u0000') !== found.values.join('\u0000')) {
      changes.push(change('enum.values', type, { name: type.name, expected: type, actual: found, message: `enum ${qualified(type)} has values ${valuesText(found)}, expected ${valuesText(type)}` }));
    }
  }
  for (const type of actual) {
    if (!wanted.has(objectKey(type))) {
      changes.push(change('enum.extra', type, { name: type.name, expected: null, actual: type, message: `enum ${qualified(type)} exists but is not expected (${valuesText(type)})` }));
    }
  }
}

/** Indexes of a table or (PostgreSQL) a materialized view; `owner` names it in the changes. */
function diffIndexes(owner: { schema: string; name: string }, expected: Index[], actual: Index[], strict: boolean, changes: SchemaChange[]): void {
  const name = qualified(owner);
  const indexDetails = [...expected, ...actual].every((i) => i.include !== undefined);
  const indexes = matchByDefinition(expected, actual, (i) => indexKey(i, indexDetails), strict);
  for (const index of indexes.missing) changes.push(change('index.missing', owner, { name: index.name, expected: index, actual: null, message: `${describeIndex(index)} on ${name} is missing` }));
  for (const index of indexes.extra) changes.push(change('index.extra', owner, { name: index.name, expected: null, actual: index, message: `${describeIndex(index)} on ${name} exists but is not expected` }));
  for (const [e, a] of indexes.mismatched) {
    changes.push(change('index.mismatch', owner, { name: e.name, expected: e, actual: a, message: `index ${e.name} on ${name} is ${describeIndex(a).replace(/^(unique )?index \S+ /, '$1')}, expected ${describeIndex(e).replace(/^(unique )?index \S+ /, '$1')}` }));
  }
}

/**
 * Views by schema and name. A view whose query changed is reported once: its fix
 * recreates it with its triggers (SQLite) or indexes (PostgreSQL materialized views), so
 * those are compared only on a view that stays.
 */
function diffViews(expected: View[], actual: View[], strict: boolean, changes: SchemaChange[]): void {
  const live = byKey(actual, objectKey);
  const wanted = byKey(expected, objectKey);
  for (const view of expected) {
    const found = live.get(objectKey(view));
    const kind = view.materialized ? 'materialized view' : 'view';
    if (!found) {
      changes.push(change('view.missing', view, { name: view.name, expected: view, actual: null, message: `${kind} ${qualified(view)} is missing` }));
    } else if (view.materialized !== found.materialized || normalizeExpression(view.definition) !== normalizeExpression(found.definition)) {
      const what = view.materialized !== found.materialized ? `is ${found.materialized ? 'a materialized view' : 'a plain view'}, expected ${found.materialized ? 'a plain view' : 'a materialized view'}` : 'has a different definition';
      changes.push(change('view.definition', view, { name: view.name, expected: view, actual: found, message: `${kind} ${qualified(view)} ${what}` }));
    } else {
      diffTriggers(view, view.triggers ?? [], found.triggers ?? [], changes);
      if (view.indexes && found.indexes) diffIndexes(view, view.indexes, found.indexes, strict, changes);
    }
  }
  for (const view of actual) {
    if (!wanted.has(objectKey(view))) {
      changes.push(change('view.extra', view, { name: view.name, expected: null, actual: view, message: `${view.materialized ? 'materialized view' : 'view'} ${qualified(view)} exists but is not expected` }));
    }
  }
}

interface Matched<T> {
  missing: T[];
  extra: T[];
  /** Pairs that are the same object (same name, or same columns for foreign keys) with another definition. */
  mismatched: Array<[T, T]>;
}

/**
 * Pairs expected and actual constraints. Default: by definition first (names ignored),
 * then leftovers with the same name (or `samePlace`) are mismatches. With `strict`, by
 * name first; an object the database does not name (SQLite) falls back to its definition.
 */
function matchByDefinition<T extends { name: string | null }>(
  expected: T[],
  actual: T[],
  definition: (item: T) => string,
  strict: boolean,
  samePlace?: (e: T, a: T) => boolean,
): Matched<T> {
  const leftExpected: T[] = [];
  const remaining = new Set(actual);
  const mismatched: Array<[T, T]> = [];
  if (strict) {
    const byName = new Map(actual.filter((a) => a.name !== null).map((a) => [a.name, a]));
    for (const e of expected) {
      const a = e.name === null ? undefined : byName.get(e.name);
      if (a && remaining.has(a)) {
        remaining.delete(a);
        if (definition(e) !== definition(a)) mismatched.push([e, a]);
      } else {
        leftExpected.push(e);
      }
    }
    // Unnamed objects (SQLite) cannot differ by name: match them by definition.
    const unmatched: T[] = [];
    for (const e of leftExpected) {
      const a = [...remaining].find((x) => (e.name === null || x.name === null) && definition(x) === definition(e));
      if (a) remaining.delete(a);
      else unmatched.push(e);
    }
    return pairLeftovers(unmatched, remaining, mismatched, samePlace);
  }

  const byDefinition = new Map<string, T[]>();
  for (const a of actual) {
    const key = definition(a);
    const list = byDefinition.get(key);
    if (list) list.push(a);
    else byDefinition.set(key, [a]);
  }
  // Same definition and same name first: with two alike indexes (one dropped), the one still
  // there keeps its own name, and the one reported missing is the one that is gone.
  const unnamedMatch: T[] = [];
  for (const e of expected) {
    const candidates = byDefinition.get(definition(e)) ?? [];
    const sameName = candidates.findIndex((a) => a.name === e.name);
    if (sameName < 0) {
      unnamedMatch.push(e);
      continue;
    }
    remaining.delete(candidates.splice(sameName, 1)[0]!);
  }
  for (const e of unnamedMatch) {
    const candidates = byDefinition.get(definition(e));
    if (!candidates || candidates.length === 0) {
      leftExpected.push(e);
      continue;
    }
    remaining.delete(candidates.shift()!);
  }
  return pairLeftovers(leftExpected, remaining, mismatched, samePlace);
}

function pairLeftovers<T extends { name: string | null }>(expected: T[], remaining: Set<T>, mismatched: Array<[T, T]>, samePlace?: (e: T, a: T) => boolean): Matched<T> {
  const missing: T[] = [];
  for (const e of expected) {
    let a = e.name === null ? undefined : [...remaining].find((x) => x.name === e.name);
    if (!a && samePlace) a = [...remaining].find((x) => samePlace(e, x));
    if (a) {
      remaining.delete(a);
      mismatched.push([e, a]);
    } else {
      missing.push(e);
    }
  }
  return { missing, extra: [...remaining], mismatched };
}

/** `details`: both sides read PostgreSQL's index details (operator classes, nulls order, INCLUDE, NULLS NOT DISTINCT). */
function indexKey(index: Index, details: boolean): string {
  const key = (k: Index['keys'][number]) => [k.column ?? null, k.expression === null ? null : normalizeExpression(k.expression), k.descending];
  return JSON.stringify([
    index.unique,
    index.method,
    index.keys.map((k) => (details ? [...key(k), k.nulls ?? null, k.opclass?.toLowerCase() ?? null] : key(k))),
    index.where === null ? null : normalizeExpression(index.where),
    ...(details ? [index.include ?? [], index.nullsNotDistinct ?? false] : []),
  ]);
}

const KIND_ORDER = new Map(CHANGE_KINDS.map((kind, index) => [kind, index]));

function sortChanges(changes: SchemaChange[]): SchemaChange[] {
  const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  return changes.sort(
    (a, b) =>
      compare(a.schema ?? '', b.schema ?? '') ||
      compare(a.table, b.table) ||
      KIND_ORDER.get(a.kind)! - KIND_ORDER.get(b.kind)! ||
      compare(a.column ?? '', b.column ?? '') ||
      compare(a.name ?? '', b.name ?? ''),
  );
}

function nullText(nullable: boolean): string {
  return nullable ? 'nullable' : 'not null';
}

function valuesText(type: EnumType): string {
  return `(${type.values.map((v) => `'${v}'`).join(', ')})`;
}
