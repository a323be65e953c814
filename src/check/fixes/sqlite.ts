import type { Index, Schema, View } from '../../core/model.js';
import { CHANGE_KINDS, type ChangeKind, type SchemaChange } from '../../core/schema-change.js';
import {
  addColumnSql,
  canAddColumn,
  canDropColumn,
  createIndexSql,
  createTableWithExtras,
  createViewSql,
  findTable,
  rebuildTableStatements,
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

/** Changes that belong to a table and that a rebuild of that table takes care of. */
const TABLE_KINDS = new Set<ChangeKind>(CHANGE_KINDS.filter((kind) => !/^(table|enum|view)\./.test(kind)));

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
  return `${comment}\n${script(withForeignKeysOff(rebuildTableStatements(from, to)))}`;
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
      return script([...drop, ...(view ? [createViewSql(view)] : [])]);
    }
    case 'table.missing':
      return expectedTable ? script(createTableWithExtras(expectedTable)) : undefined;
    case 'table.extra':
      return `DROP TABLE ${q(actualTable?.name ?? change.table)}`;
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
    if (column && canDropColumn(actualTable, column)) return `ALTER TABLE ${q(actualTable.name)} DROP COLUMN ${q(column.name)}`;
  }
  return REBUILD;
}

function script(statements: string[]): string {
  return statements.map((s) => `${s};`).join('\n');
}
