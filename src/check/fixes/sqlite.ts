import type { Index, Schema, Table, Trigger, View, VirtualTable } from '../../core/model.js';
import { CHANGE_KINDS, type ChangeKind, type SchemaChange } from '../../core/schema-change.js';
import {
  addColumnSql,
  canAddColumn,
  canDropColumn,
  columnsLostByRebuild,
  createIndexSql,
  createTableWithExtras,
  createViewWithTriggers,
  createVirtualTableStatements,
  dataLossWarning,
  findTable,
  orderByReferences,
  rebuildTableStatements,
  viewsOrTriggersMention,
  withForeignKeysOff,
} from '../../dialects/sqlite/sqlite-ddl.js';
import { quoteSqliteIdentifier as q } from '../../dialects/sqlite/sqlite-lexer.js';

/**
 * The fixes `lockstep check` prints on SQLite. ALTER TABLE covers adding or dropping a
 * plain column; every other change to a table needs the table rebuilt. A rebuild moves
 * the whole table to its expected shape, so a table gets ONE rebuild, on the first of its
 * changes, and its other changes point at it (three rebuilds of one table, run one after
 * the other, would each copy every row, and the second would undo nothing but cost as
 * much). Enums do not exist on SQLite, so enum changes get no fix.
 */

/**
 * Changes that belong to a table and that a rebuild of that table takes care of (a
 * rebuild also recreates the table's expected triggers).
 */
const TABLE_KINDS = new Set<ChangeKind>(CHANGE_KINDS.filter((kind) => !/^(table\.(missing|extra)|enum\.|view\.|virtual-table\.)/.test(kind)));

const REBUILD = Symbol('rebuild');

/**
 * One fix per change, in order. When any change of a table needs a rebuild, the first
 * change of that table carries the rebuild script and every other change of it gets a
 * comment pointing there (ALTERs run after the rebuild would find their work done).
 *
 * @example
 * sqliteFixesFor(changes, expected, actual)
 * // → ['-- rebuild "jobs" …\nPRAGMA foreign_keys=OFF;\n…', '-- done by the rebuild of "jobs" above', …]
 */
export function sqliteFixesFor(changes: SchemaChange[], expected: Schema, actual: Schema): Array<string | undefined> {
  const fixes = changes.map((change) => singleFix(change, expected, actual));
  const tableKey = (change: SchemaChange) => (TABLE_KINDS.has(change.kind) ? change.table.toLowerCase() : undefined);
  const rebuilt = new Set(changes.filter((_, i) => fixes[i] === REBUILD).map(tableKey));
  const done = new Set<string>();
  return changes.map((change, i) => {
    const key = tableKey(change);
    if (key === undefined || !rebuilt.has(key)) return fixes[i] === REBUILD ? undefined : (fixes[i] as string | undefined);
    const name = findTable(actual, change.table)?.name ?? change.table;
    if (done.has(key)) return `-- done by the rebuild of ${q(name)} above`;
    done.add(key);
    return rebuildScript(name, changes.filter((c) => tableKey(c) === key).length, expected, actual);
  });
}

/**
 * The fix for one change on its own (a rebuild when it needs one).
 *
 * @example
 * sqliteFixFor({ kind: 'column.missing', table: 'jobs', column: 'job_uuid', … }, expected, actual)
 * // → 'ALTER TABLE "jobs" ADD COLUMN "job_uuid" text'
 */
export function sqliteFixFor(change: SchemaChange, expected: Schema, actual: Schema): string | undefined {
  return sqliteFixesFor([change], expected, actual)[0];
}

/** The rebuild of table `name`, which makes `covered` changes, under a comment that says so (the text output shows only that line). */
function rebuildScript(name: string, covered: number, expected: Schema, actual: Schema): string | undefined {
  const from = findTable(actual, name);
  const to = findTable(expected, name);
  if (!from || !to) return undefined;
  const what = covered === 1 ? ": SQLite's ALTER TABLE cannot make this change" : ` for its ${covered} changes, which SQLite's ALTER TABLE cannot all make`;
  const comment = `-- rebuild ${q(name)}${what}; rows are copied into a new table with foreign keys off, so no ON DELETE fires`;
  // The text report shows only a long fix's first line: a loss of data goes there.
  const lost = columnsLostByRebuild(from, to);
  const warning = lost.length === 0 ? '' : `${dataLossWarning(`the values of ${lost.map((c) => `${q(name)}.${q(c)}`).join(', ')} are not kept`)}\n`;
  const statements = rebuildTableStatements(from, to).map((s) => s.replace(/^-- WARNING: data loss:[^\n]*\n/, ''));
  return `${warning}${comment}\n${script(withForeignKeysOff(statements))}`;
}

/** The fix of one change, or REBUILD when only a rebuild of its table will do. */
function singleFix(change: SchemaChange, expected: Schema, actual: Schema): string | undefined | typeof REBUILD {
  const expectedTable = findTable(expected, change.table);
  const actualTable = findTable(actual, change.table);
  switch (change.kind) {
    case 'enum.missing':
    case 'enum.extra':
    case 'enum.values':
      return undefined;
    case 'view.missing':
    case 'view.extra':
    case 'view.definition': {
      const name = change.name ?? change.table;
      const view = (change.expected as View | null) ?? expected.views.find((v) => v.name === name);
      const drop = change.kind === 'view.missing' ? [] : [`DROP VIEW ${q((change.actual as View | null)?.name ?? name)}`];
      return script([...drop, ...(view ? createViewWithTriggers(view) : [])]);
    }
    case 'trigger.missing':
    case 'trigger.extra':
    case 'trigger.definition': {
      const want = change.expected as Trigger | null;
      const have = change.actual as Trigger | null;
      return script([...(have ? [`DROP TRIGGER ${q(have.name)}`] : []), ...(want ? [want.definition] : [])]);
    }
    case 'virtual-table.missing':
      return script(createVirtualTableStatements(change.expected as VirtualTable));
    case 'virtual-table.extra':
    case 'virtual-table.definition': {
      const have = change.actual as VirtualTable;
      const want = change.expected as VirtualTable | null;
      const warning = dataLossWarning(`drops virtual table ${q(have.name)} with its shadow tables and every row in them${want ? ', then creates it again empty' : ''}`);
      return `${warning}\n${script([`DROP TABLE ${q(have.name)}`, ...(want ? createVirtualTableStatements(want) : [])])}`;
    }
    case 'table.missing':
      return expectedTable ? script(createTableWithExtras(expectedTable)) : undefined;
    case 'table.extra': {
      const name = actualTable?.name ?? change.table;
      return `${dataLossWarning(`drops table ${q(name)} and every row in it`)}\nDROP TABLE ${q(name)};`;
    }
    case 'index.missing':
    case 'index.extra':
    case 'index.mismatch': {
      // Indexes are matched by definition, so a mismatched pair may carry two names.
      const want = (change.expected as Index | null) ?? expectedTable?.indexes.find((i) => i.name === change.name);
      const have = (change.actual as Index | null) ?? actualTable?.indexes.find((i) => i.name === change.name);
      const statements = [];
      if (change.kind !== 'index.missing' && have) statements.push(`DROP INDEX ${q(have.name)}`);
      if (change.kind !== 'index.extra' && want && expectedTable) statements.push(createIndexSql(expectedTable, want));
      return statements.length > 0 ? script(statements) : undefined;
    }
    default:
      break;
  }
  if (!expectedTable || !actualTable) return undefined;
  if (change.kind === 'column.missing') {
    const column = expectedTable.columns.find((c) => c.name === change.column);
    if (column && canAddColumn(expectedTable, column)) return addColumnSql(expectedTable, column);
  }
  if (change.kind === 'column.extra') {
    const column = actualTable.columns.find((c) => c.name === change.column);
    // A view or trigger still reading the column would fail DROP COLUMN (the view's own fix runs later).
    if (column && canDropColumn(actualTable, column) && !viewsOrTriggersMention(actual, column.name)) {
      const drop = `ALTER TABLE ${q(actualTable.name)} DROP COLUMN ${q(column.name)};`;
      return column.generated === null ? `${dataLossWarning(`drops column ${q(actualTable.name)}.${q(column.name)} and its values`)}\n${drop}` : drop;
    }
  }
  return REBUILD;
}

function script(statements: string[]): string {
  return statements.map((s) => `${s};`).join('\n');
}

/**
 * Where each change's fix runs, so that the fixes run in the order listed: triggers and
 * views that go are dropped first, then tables (children before parents, as a DROP of a
 * parent would check its children's rows), then new tables (parents first) and virtual
 * tables, then the changes inside tables (ALTERs and rebuilds), then views, then
 * triggers (CREATE TRIGGER needs its table or view to exist).
 */
const PHASES: Array<(change: SchemaChange) => boolean> = [
  (c) => c.kind === 'trigger.extra',
  (c) => c.kind === 'view.extra',
  (c) => c.kind === 'table.extra' || c.kind === 'virtual-table.extra',
  (c) => c.kind === 'table.missing' || c.kind === 'virtual-table.missing' || c.kind === 'virtual-table.definition',
  (c) => TABLE_KINDS.has(c.kind) && !c.kind.startsWith('trigger.'),
  (c) => c.kind.startsWith('view.'),
  (c) => c.kind.startsWith('trigger.'),
];

/**
 * The changes in the order their SQLite fixes must run (see PHASES); within a phase the
 * diff's order is kept, except that tables go in the order their foreign keys need.
 *
 * @example
 * orderSqliteChanges(diffSchemas(expected, actual).changes, expected, actual)
 */
export function orderSqliteChanges(changes: SchemaChange[], expected: Schema, actual: Schema): SchemaChange[] {
  const phaseOf = (change: SchemaChange) => {
    const phase = PHASES.findIndex((test) => test(change));
    return phase === -1 ? PHASES.length : phase;
  };
  const parentsFirst = (tables: Table[]) => {
    const rank = new Map(orderByReferences(tables).map((t, i) => [t.name.toLowerCase(), i]));
    return (change: SchemaChange) => rank.get(change.table.toLowerCase()) ?? -1;
  };
  const created = parentsFirst(expected.tables);
  const dropped = parentsFirst(actual.tables);
  // Virtual tables after the new tables: an external-content FTS table indexes its content table's rows.
  const rankInPhase = (change: SchemaChange) =>
    change.kind === 'table.missing' ? created(change) : change.kind === 'table.extra' ? -dropped(change) : change.kind.startsWith('virtual-table.') ? expected.tables.length : 0;
  return changes
    .map((change, index) => ({ change, index }))
    .sort((a, b) => phaseOf(a.change) - phaseOf(b.change) || rankInPhase(a.change) - rankInPhase(b.change) || a.index - b.index)
    .map(({ change }) => change);
}

