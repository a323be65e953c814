import { LockstepError } from '../../core/errors.js';
import type { Column, ForeignKey, Index, Schema, Table, Trigger, View, VirtualTable } from '../../core/model.js';
import { normalizeExpression } from '../../core/normalize-sql.js';
import type { SchemaChange } from '../../core/schema-change.js';
import type { MigrationPlan, RenameHint } from '../dialect.js';
import { isConstantDefault, isLiteralDefault, printTokens } from './sqlite-canonical.js';
import { quoteSqliteIdentifier as q, tokenizeSqlite } from './sqlite-lexer.js';

/**
 * SQLite DDL: CREATE statements from the model, table rebuilds and migration plans (the
 * fixes `check` prints are in `sqlite-fix.ts`). SQLite's ALTER TABLE can only rename,
 * add a column and drop a column (https://www.sqlite.org/lang_altertable.html); every
 * other change rebuilds the table
 * with the documented procedure, which keeps every row because foreign keys are off
 * while the old table is dropped (with them on, the drop would fire ON DELETE CASCADE on
 * the children: drizzle-orm#3065).
 */

/** Prefix of the table a rebuild fills before it takes the old table's name. */
export const REBUILD_PREFIX = '_lockstep_new_';

/**
 * Guards around a rebuild. A named CHECK on a temp table is the one way plain SQL can
 * fail with a message of our choosing: the rebuild aborts before any DROP when foreign
 * keys are still on (e.g. the script runs inside a transaction, where
 * `PRAGMA foreign_keys=OFF` does nothing), and at the end when a row lost its parent.
 */
const FOREIGN_KEYS_OFF_GUARD = [
  `CREATE TEMP TABLE "lockstep_guard" ("value" integer, CONSTRAINT "lockstep: foreign keys must be OFF for this table rebuild; run PRAGMA foreign_keys=OFF outside the transaction" CHECK ("value" = 0))`,
  `INSERT INTO temp."lockstep_guard" SELECT foreign_keys FROM pragma_foreign_keys`,
  `DROP TABLE temp."lockstep_guard"`,
];
const FOREIGN_KEY_CHECK_GUARD = [
  `CREATE TEMP TABLE "lockstep_guard" ("value" integer, CONSTRAINT "lockstep: the table rebuild left rows whose foreign key has no parent; see PRAGMA foreign_key_check" CHECK ("value" = 0))`,
  `INSERT INTO temp."lockstep_guard" SELECT count(*) FROM pragma_foreign_key_check`,
  `DROP TABLE temp."lockstep_guard"`,
];

/**
 * CREATE TABLE with every constraint inline (SQLite cannot add constraints later).
 *
 * @example
 * createTableSql(table) // → 'CREATE TABLE "users" (\n  "id" integer PRIMARY KEY, …\n)'
 */
export function createTableSql(table: Table, name = table.name): string {
  const pk = table.primaryKey;
  const inlinePk = pk !== null && pk.columns.length === 1 ? pk.columns[0] : undefined;
  const lines = table.columns.map((column) => columnSql(column, column.name === inlinePk));
  if (pk !== null && inlinePk === undefined) lines.push(`PRIMARY KEY (${pk.columns.map(q).join(', ')})`);
  for (const unique of table.uniques) lines.push(`${constraintName(unique.name)}UNIQUE (${unique.columns.map(q).join(', ')})`);
  for (const fk of table.foreignKeys) lines.push(foreignKeySql(fk));
  for (const check of table.checks) lines.push(`${constraintName(check.name)}CHECK (${check.expression})`);
  const options = (table.options ?? []).map((o) => o.toUpperCase()).join(', ');
  return `CREATE TABLE ${q(name)} (\n  ${lines.join(',\n  ')}\n)${options ? ` ${options}` : ''}`;
}

function columnSql(column: Column, primaryKey: boolean): string {
  let sql = q(column.name);
  if (column.type !== '') sql += ` ${column.type}`;
  if (column.collation) sql += ` COLLATE ${q(column.collation)}`;
  if (primaryKey) sql += column.autoincrement ? ' PRIMARY KEY AUTOINCREMENT' : ' PRIMARY KEY';
  if (!column.nullable) sql += ' NOT NULL';
  if (column.default !== null) sql += ` DEFAULT ${defaultSql(column.default)}`;
  if (column.generated !== null) {
    const stored = column.generated.endsWith(' stored');
    const expression = stored ? column.generated.slice(0, -' stored'.length) : column.generated;
    sql += ` GENERATED ALWAYS AS (${expression}) ${stored ? 'STORED' : 'VIRTUAL'}`;
  }
  return sql;
}

/** DEFAULT takes a literal as is; anything else must be parenthesized. */
function defaultSql(value: string): string {
  return isLiteralDefault(value) ? value : `(${value})`;
}

function foreignKeySql(fk: ForeignKey): string {
  let sql = `${constraintName(fk.name)}FOREIGN KEY (${fk.columns.map(q).join(', ')}) REFERENCES ${q(fk.referencedTable)} (${fk.referencedColumns.map(q).join(', ')})`;
  if (fk.onDelete !== 'no action') sql += ` ON DELETE ${fk.onDelete.toUpperCase()}`;
  if (fk.onUpdate !== 'no action') sql += ` ON UPDATE ${fk.onUpdate.toUpperCase()}`;
  return sql;
}

function constraintName(name: string | null): string {
  return name === null ? '' : `CONSTRAINT ${q(name)} `;
}

export function createIndexSql(table: Table, index: Index): string {
  const keys = index.keys.map((key) => `${key.column !== null ? q(key.column) : `(${key.expression})`}${key.descending ? ' DESC' : ''}`);
  const where = index.where === null ? '' : ` WHERE ${index.where}`;
  return `CREATE ${index.unique ? 'UNIQUE ' : ''}INDEX ${q(index.name)} ON ${q(table.name)} (${keys.join(', ')})${where}`;
}

export function createViewSql(view: View): string {
  return `CREATE VIEW ${q(view.name)} AS ${view.definition}`;
}

/** CREATE VIEW followed by the view's INSTEAD OF triggers. */
export function createViewWithTriggers(view: View): string[] {
  return [createViewSql(view), ...(view.triggers ?? []).map((t) => t.definition)];
}

/**
 * CREATE VIRTUAL TABLE from the model; the module creates its shadow tables itself.
 *
 * @example
 * createVirtualTableSql({ schema: 'main', name: 'docs', module: 'fts5', arguments: 'title, body' })
 * // → 'CREATE VIRTUAL TABLE "docs" USING fts5(title, body)'
 */
export function createVirtualTableSql(table: VirtualTable): string {
  return `CREATE VIRTUAL TABLE ${q(table.name)} USING ${table.module}${table.arguments === '' ? '' : `(${table.arguments})`}`;
}

/**
 * CREATE VIRTUAL TABLE, and for an FTS3/4/5 table over an external content table
 * (`content = 'film'`) the `rebuild` command that indexes the rows already there: a new
 * external-content index starts empty.
 */
export function createVirtualTableStatements(table: VirtualTable): string[] {
  const statements = [createVirtualTableSql(table)];
  const content = /(?:^|,)\s*content\s*=\s*(?:'([^']*)'|"([^"]*)"|([A-Za-z_][\w$]*))/i.exec(table.arguments);
  const source = content ? (content[1] ?? content[2] ?? content[3] ?? '') : '';
  if (/^fts[345]$/.test(table.module) && source !== '') statements.push(`INSERT INTO ${q(table.name)} (${q(table.name)}) VALUES ('rebuild')`);
  return statements;
}

/** The comment that starts every statement or fix deleting data; `check` marks such fixes destructive. */
export function dataLossWarning(what: string): string {
  return `-- WARNING: data loss: ${what}`;
}

/** Columns of `from` whose values a rebuild to `to` does not keep: dropped, or turned into generated columns. */
export function columnsLostByRebuild(from: Table, to: Table): string[] {
  const target = new Map(to.columns.map((c) => [c.name.toLowerCase(), c]));
  return from.columns
    .filter((c) => c.generated === null)
    .filter((c) => {
      const next = target.get(c.name.toLowerCase());
      return next === undefined || next.generated !== null;
    })
    .map((c) => c.name);
}

/** Statements that create a table with its indexes and triggers. */
export function createTableWithExtras(table: Table): string[] {
  return [createTableSql(table), ...table.indexes.map((i) => createIndexSql(table, i)), ...table.triggers.map((t) => t.definition)];
}

/**
 * The documented 12-step rebuild of one table from `from` to `to`, without the foreign-key
 * pragmas around it (the plan adds those once). Columns present on both sides are copied;
 * new columns take their defaults.
 */
export function rebuildTableStatements(from: Table, to: Table): string[] {
  const temp = `${REBUILD_PREFIX}${to.name}`;
  // A generated column of the old table is read like any other: its values are kept
  // when the new table makes it a plain column.
  const source = new Map(from.columns.map((c) => [c.name.toLowerCase(), c]));
  const copied = to.columns.filter((c) => c.generated === null && source.has(c.name.toLowerCase()));
  const lost = columnsLostByRebuild(from, to);
  const warning = lost.length === 0 ? '' : `${dataLossWarning(`the rebuild of ${q(to.name)} does not keep the values of ${lost.map((c) => `${q(from.name)}.${q(c)}`).join(', ')}`)}\n`;
  const statements = [warning + createTableSql(to, temp)];
  if (copied.length > 0) {
    const target = copied.map((c) => q(c.name)).join(', ');
    const values = copied.map((c) => q(source.get(c.name.toLowerCase())!.name)).join(', ');
    statements.push(`INSERT INTO ${q(temp)} (${target}) SELECT ${values} FROM ${q(from.name)}`);
  }
  statements.push(
    `DROP TABLE ${q(from.name)}`,
    // legacy_alter_table: the rename must not re-check views and triggers that name the
    // table, which would fail while it is briefly missing; they point at it again after.
    'PRAGMA legacy_alter_table=ON',
    `ALTER TABLE ${q(temp)} RENAME TO ${q(to.name)}`,
    'PRAGMA legacy_alter_table=OFF',
    ...to.indexes.map((i) => createIndexSql(to, i)),
    ...to.triggers.map((t) => t.definition),
  );
  return statements;
}

/** Wraps rebuild statements with the foreign-key pragmas and guards. */
export function withForeignKeysOff(statements: string[]): string[] {
  return ['PRAGMA foreign_keys=OFF', ...FOREIGN_KEYS_OFF_GUARD, ...statements, ...FOREIGN_KEY_CHECK_GUARD, 'PRAGMA foreign_keys=ON'];
}

export function addColumnSql(table: Table, column: Column): string {
  return `ALTER TABLE ${q(table.name)} ADD COLUMN ${columnSql(column, false)}`;
}

/** ADD COLUMN's rules: no key or unique, a constant default, NOT NULL only with a non-null default, no STORED. */
export function canAddColumn(table: Table, column: Column): boolean {
  const name = column.name.toLowerCase();
  const inKey = table.primaryKey?.columns.some((c) => c.toLowerCase() === name) ?? false;
  const inUnique = table.uniques.some((u) => u.columns.some((c) => c.toLowerCase() === name));
  const inForeignKey = table.foreignKeys.some((f) => f.columns.some((c) => c.toLowerCase() === name));
  if (inKey || inUnique || inForeignKey) return false;
  if (column.generated !== null) return !column.generated.endsWith(' stored');
  if (!isConstantDefault(column.default)) return false;
  if (!column.nullable && (column.default === null || column.default === 'null')) return false;
  return !mentions(table.checks.map((c) => c.expression), column.name);
}

/** DROP COLUMN's rules: not a key, unique, foreign key, indexed, or used by a check or generated column. */
export function canDropColumn(table: Table, column: Column): boolean {
  const name = column.name.toLowerCase();
  const lists = [
    table.primaryKey?.columns ?? [],
    ...table.uniques.map((u) => u.columns),
    ...table.foreignKeys.map((f) => f.columns),
    ...table.indexes.map((i) => i.keys.map((k) => k.column ?? '')),
  ];
  if (lists.some((l) => l.some((c) => c.toLowerCase() === name))) return false;
  const expressions = [
    ...table.checks.map((c) => c.expression),
    ...table.indexes.flatMap((i) => [...i.keys.map((k) => k.expression ?? ''), i.where ?? '']),
    ...table.columns.filter((c) => c !== column).map((c) => c.generated ?? ''),
  ];
  return !mentions(expressions, column.name);
}

/**
 * True when a view or trigger of `schema` names column `column` (by word: it may be
 * another table's column of the same name). ALTER TABLE DROP COLUMN re-checks every view
 * and trigger and fails on one that still reads the column; a rebuild does not.
 */
export function viewsOrTriggersMention(schema: Schema, column: string): boolean {
  const texts = [
    ...schema.views.flatMap((v) => [v.definition, ...(v.triggers ?? []).map((t) => t.definition)]),
    ...schema.tables.flatMap((t) => t.triggers.map((x) => x.definition)),
  ];
  return mentions(texts, column);
}

/** True when any expression names `identifier` (token match, quoted or not). */
function mentions(expressions: string[], identifier: string): boolean {
  const wanted = identifier.toLowerCase();
  return expressions.some((e) =>
    tokenizeSqlite(e).some((t) => (t.kind === 'word' || t.kind === 'quoted') && unquote(t.text).toLowerCase() === wanted),
  );
}

function unquote(text: string): string {
  return /^["`[]/.test(text) ? text.slice(1, -1) : text;
}

export function findTable(schema: Schema, name: string): Table | undefined {
  return schema.tables.find((t) => t.name === name) ?? schema.tables.find((t) => t.name.toLowerCase() === name.toLowerCase());
}

/**
 * Ordered statements that take schema `from` to `to` (see the file comment for what needs
 * a rebuild). Renames come only from `renames`: a column that disappears while another
 * appears is never guessed to be a rename here.
 *
 * @example
 * const plan = planSqliteMigration(replayed, declared, { renames: [{ table: 'users', from: 'mail', to: 'email' }] });
 * plan.statements // → ['ALTER TABLE "users" RENAME COLUMN "mail" TO "email"']
 */
export function planSqliteMigration(from: Schema, to: Schema, options: { renames?: RenameHint[] } = {}): MigrationPlan {
  const unsupported: SchemaChange[] = to.enums
    .filter((e) => !from.enums.some((f) => f.name === e.name))
    .map((e) => ({ kind: 'enum.missing', table: e.name, name: e.name, expected: e, actual: null, message: `enum ${e.name}: SQLite has no enum types` }));
  const working: Schema = structuredClone(from);
  const renames: string[] = [];
  const oldNames = new Map<string, string>();
  const hints = options.renames ?? [];
  for (const hint of hints.filter((h) => h.isTable)) {
    renames.push(renameTable(working, hint));
    oldNames.set(hint.from.toLowerCase(), hint.to);
  }
  for (const hint of hints.filter((h) => !h.isTable)) renames.push(renameColumn(working, hint, oldNames));

  const toNames = new Set(to.tables.map((t) => t.name.toLowerCase()));
  const fromNames = new Set(working.tables.map((t) => t.name.toLowerCase()));
  const dropped = working.tables.filter((t) => !toNames.has(t.name.toLowerCase()));
  const created = to.tables.filter((t) => !fromNames.has(t.name.toLowerCase()));

  const dropIndexes: string[] = [];
  const alters: string[] = [];
  const createIndexes: string[] = [];
  const rebuilds: string[] = [];
  for (const target of to.tables) {
    const source = findTable(working, target.name);
    if (!source) continue;
    const plan = planTable(source, target);
    if (plan === 'rebuild') {
      // Indexes and triggers go with the old table; the rebuild recreates them.
      rebuilds.push(...rebuildTableStatements(source, target));
      continue;
    }
    dropIndexes.push(...plan.dropIndexes);
    alters.push(...plan.alters);
    createIndexes.push(...plan.createIndexes);
  }

  // Views are plain text in SQLite: drop the ones that change or go before touching
  // tables, create the new ones last, when everything they select from exists. Their
  // INSTEAD OF triggers go with them, and come back after every view exists.
  const dropViews: string[] = [];
  const createViews: string[] = [];
  const createViewTriggers: string[] = [];
  for (const view of working.views) {
    const next = to.views.find((v) => v.name === view.name);
    if (!next || next.definition !== view.definition) dropViews.push(`DROP VIEW ${q(view.name)}`);
    else dropIndexes.push(...changedTriggers(view.triggers ?? [], next.triggers ?? []).drop);
  }
  for (const view of to.views) {
    const previous = working.views.find((v) => v.name === view.name);
    if (!previous || previous.definition !== view.definition) {
      createViews.push(createViewSql(view));
      createViewTriggers.push(...(view.triggers ?? []).map((t) => t.definition));
    } else {
      createViewTriggers.push(...changedTriggers(previous.triggers ?? [], view.triggers ?? []).create);
    }
  }

  // A virtual table cannot be altered: one whose module or arguments change is dropped
  // (with its shadow tables and rows) and created again.
  const dropVirtual: string[] = [];
  const createVirtual: string[] = [];
  const fromVirtual = working.virtualTables ?? [];
  const toVirtual = to.virtualTables ?? [];
  for (const table of fromVirtual) {
    const next = toVirtual.find((v) => v.name.toLowerCase() === table.name.toLowerCase());
    if (!next || !sameVirtualTable(table, next)) {
      dropVirtual.push(`${dataLossWarning(`drops virtual table ${q(table.name)} with its shadow tables and every row in them`)}\nDROP TABLE ${q(table.name)}`);
    }
  }
  for (const table of toVirtual) {
    const previous = fromVirtual.find((v) => v.name.toLowerCase() === table.name.toLowerCase());
    if (!previous || !sameVirtualTable(previous, table)) createVirtual.push(...createVirtualTableStatements(table));
  }

  const body = [
    ...dropViews,
    ...renames,
    ...dropIndexes,
    ...dropVirtual,
    ...orderByReferences(dropped).reverse().map((t) => `${dataLossWarning(`drops table ${q(t.name)} and every row in it`)}\nDROP TABLE ${q(t.name)}`),
    ...orderByReferences(created).flatMap(createTableWithExtras),
    ...createVirtual,
    ...alters,
    ...rebuilds,
    ...createIndexes,
    ...createViews,
    ...createViewTriggers,
  ];
  const requiresForeignKeysOff = rebuilds.length > 0;
  return { statements: requiresForeignKeysOff ? withForeignKeysOff(body) : body, unsupported, requiresForeignKeysOff };
}

interface TableAlterPlan {
  dropIndexes: string[];
  alters: string[];
  createIndexes: string[];
}

/** ALTER TABLE statements for a table, or 'rebuild' when ALTER TABLE cannot get there. */
function planTable(from: Table, to: Table): TableAlterPlan | 'rebuild' {
  const byName = (columns: Column[]) => new Map(columns.map((c) => [c.name.toLowerCase(), c]));
  const fromColumns = byName(from.columns);
  const toColumns = byName(to.columns);
  for (const [name, column] of toColumns) {
    const previous = fromColumns.get(name);
    if (previous && !sameColumn(previous, column)) return 'rebuild';
  }
  if (!sameConstraints(from, to)) return 'rebuild';

  const plan: TableAlterPlan = { dropIndexes: [], alters: [], createIndexes: [] };
  const toIndexes = new Map(to.indexes.map((i) => [i.name, i]));
  const fromIndexes = new Map(from.indexes.map((i) => [i.name, i]));
  const keptIndexes = from.indexes.filter((i) => toIndexes.has(i.name) && sameIndex(i, toIndexes.get(i.name)!));
  for (const index of from.indexes) if (!keptIndexes.includes(index)) plan.dropIndexes.push(`DROP INDEX ${q(index.name)}`);
  for (const index of to.indexes) {
    const previous = fromIndexes.get(index.name);
    if (!previous || !sameIndex(previous, index)) plan.createIndexes.push(createIndexSql(to, index));
  }

  // Judge DROP COLUMN against the table as it is once the doomed indexes are gone.
  const afterIndexDrops: Table = { ...from, indexes: keptIndexes };
  for (const column of from.columns) {
    if (toColumns.has(column.name.toLowerCase())) continue;
    if (!canDropColumn(afterIndexDrops, column)) return 'rebuild';
    const drop = `ALTER TABLE ${q(from.name)} DROP COLUMN ${q(column.name)}`;
    plan.alters.push(column.generated === null ? `${dataLossWarning(`drops column ${q(from.name)}.${q(column.name)} and its values`)}\n${drop}` : drop);
  }
  for (const column of to.columns) {
    if (fromColumns.has(column.name.toLowerCase())) continue;
    if (!canAddColumn(to, column)) return 'rebuild';
    plan.alters.push(addColumnSql(to, column));
  }

  const triggers = changedTriggers(from.triggers, to.triggers);
  plan.dropIndexes.push(...triggers.drop);
  plan.createIndexes.push(...triggers.create);
  return plan;
}

/** DROP TRIGGER for triggers that go or change, CREATE TRIGGER for those that come or change (compared as the diff does). */
function changedTriggers(from: Trigger[], to: Trigger[]): { drop: string[]; create: string[] } {
  const key = (t: Trigger) => t.name.toLowerCase();
  const same = (a: Trigger | undefined, b: Trigger) => a !== undefined && normalizeExpression(a.definition) === normalizeExpression(b.definition);
  return {
    drop: from.filter((t) => !same(to.find((x) => key(x) === key(t)), t)).map((t) => `DROP TRIGGER ${q(t.name)}`),
    create: to.filter((t) => !same(from.find((x) => key(x) === key(t)), t)).map((t) => t.definition),
  };
}

function sameVirtualTable(a: VirtualTable, b: VirtualTable): boolean {
  return a.module === b.module && normalizeExpression(a.arguments) === normalizeExpression(b.arguments);
}

function sameColumn(a: Column, b: Column): boolean {
  return (
    a.type === b.type &&
    a.nullable === b.nullable &&
    a.default === b.default &&
    a.generated === b.generated &&
    (a.collation ?? null) === (b.collation ?? null) &&
    Boolean(a.autoincrement) === Boolean(b.autoincrement)
  );
}

/** Keys, uniques, foreign keys, checks and options, compared by definition (names aside). */
function sameConstraints(a: Table, b: Table): boolean {
  const lower = (cols: string[]) => cols.map((c) => c.toLowerCase()).join(',');
  const set = (items: string[]) => JSON.stringify([...items].sort());
  return (
    lower(a.primaryKey?.columns ?? []) === lower(b.primaryKey?.columns ?? []) &&
    set(a.uniques.map((u) => lower(u.columns))) === set(b.uniques.map((u) => lower(u.columns))) &&
    set(a.foreignKeys.map(fkKey)) === set(b.foreignKeys.map(fkKey)) &&
    set(a.checks.map((c) => c.expression)) === set(b.checks.map((c) => c.expression)) &&
    set(a.options ?? []) === set(b.options ?? [])
  );
}

function fkKey(fk: ForeignKey): string {
  return [fk.columns.join(','), fk.referencedTable.toLowerCase(), fk.referencedColumns.join(','), fk.onDelete, fk.onUpdate]
    .join('|')
    .toLowerCase();
}

function sameIndex(a: Index, b: Index): boolean {
  return JSON.stringify([a.unique, a.keys, a.where]) === JSON.stringify([b.unique, b.keys, b.where]);
}

/** Parents before children (cycles keep their input order: SQLite resolves references lazily). */
export function orderByReferences(tables: Table[]): Table[] {
  const names = new Map(tables.map((t) => [t.name.toLowerCase(), t]));
  const ordered: Table[] = [];
  const visiting = new Set<Table>();
  const visit = (table: Table) => {
    if (ordered.includes(table) || visiting.has(table)) return;
    visiting.add(table);
    for (const fk of table.foreignKeys) {
      const parent = names.get(fk.referencedTable.toLowerCase());
      if (parent && parent !== table) visit(parent);
    }
    ordered.push(table);
  };
  for (const table of tables) visit(table);
  return ordered;
}

/** `ALTER TABLE … RENAME TO …`, mirrored in the working copy (SQLite rewrites references too). */
function renameTable(working: Schema, hint: RenameHint): string {
  const table = findTable(working, hint.from);
  if (!table) throw badHint(hint, `there is no table ${hint.from}`);
  for (const other of working.tables) {
    for (const fk of other.foreignKeys) if (fk.referencedTable.toLowerCase() === hint.from.toLowerCase()) fk.referencedTable = hint.to;
  }
  table.name = hint.to;
  return `ALTER TABLE ${q(hint.from)} RENAME TO ${q(hint.to)}`;
}

/** `ALTER TABLE … RENAME COLUMN`, mirrored in the working copy's constraints and expressions. */
function renameColumn(working: Schema, hint: RenameHint, renamedTables: Map<string, string>): string {
  const table = findTable(working, hint.table) ?? findTable(working, renamedTables.get(hint.table.toLowerCase()) ?? hint.table);
  const column = table?.columns.find((c) => c.name.toLowerCase() === hint.from.toLowerCase());
  if (!table || !column) throw badHint(hint, `there is no column ${hint.table}.${hint.from}`);
  const rename = (name: string) => (name.toLowerCase() === hint.from.toLowerCase() ? hint.to : name);
  const renameIn = (expression: string) => renameIdentifier(expression, hint.from, hint.to);
  column.name = hint.to;
  if (table.primaryKey) table.primaryKey.columns = table.primaryKey.columns.map(rename);
  for (const u of table.uniques) u.columns = u.columns.map(rename);
  for (const fk of table.foreignKeys) fk.columns = fk.columns.map(rename);
  for (const c of table.checks) c.expression = renameIn(c.expression);
  for (const c of table.columns) if (c.generated !== null) c.generated = renameIn(c.generated);
  for (const index of table.indexes) {
    index.keys = index.keys.map((k) => ({ ...k, column: k.column === null ? null : rename(k.column), expression: k.expression === null ? null : renameIn(k.expression) }));
    if (index.where !== null) index.where = renameIn(index.where);
  }
  for (const other of working.tables) {
    for (const fk of other.foreignKeys) {
      if (fk.referencedTable.toLowerCase() === table.name.toLowerCase()) fk.referencedColumns = fk.referencedColumns.map(rename);
    }
  }
  return `ALTER TABLE ${q(table.name)} RENAME COLUMN ${q(hint.from)} TO ${q(hint.to)}`;
}

function badHint(hint: RenameHint, problem: string): LockstepError {
  const text = hint.isTable ? `${hint.from}=${hint.to}` : `${hint.table}.${hint.from}=${hint.to}`;
  return new LockstepError(`cannot apply rename ${text}: ${problem} in the current schema`, {
    hint: 'Check the --rename arguments against the tables and columns the migrations create.',
  });
}

/** Replaces an identifier in canonical expression text, keeping the rest as printed. */
function renameIdentifier(expression: string, from: string, to: string): string {
  const tokens = tokenizeSqlite(expression).map((t) =>
    (t.kind === 'word' || t.kind === 'quoted') && unquote(t.text).toLowerCase() === from.toLowerCase()
      ? { ...t, kind: 'quoted' as const, text: q(to) }
      : t,
  );
  return printTokens(tokens, [to]);
}
