import type { ReferenceTarget } from '../code-references.js';
import { allFacts, columnIn, existedBefore, type LintContext, lineOf, tableIn } from '../lint-rule.js';

/** A table or column that code can no longer use after the migration: dropped or renamed away. */
export interface RemovedObject extends ReferenceTarget {
  /**
   * `retyped`: the column keeps its name but is replaced by one of another type (the
   * contract step of an expand/contract type change drops it and renames the new-typed
   * column into its place); code that reads it gets values of the new type.
   */
  how: 'dropped' | 'renamed' | 'retyped';
  /** New name for renames. */
  newName?: string;
  /** The column's type before and after, for `retyped`. */
  fromType?: string;
  toType?: string;
  line: number;
}

/**
 * What the migration takes away from running code. Drops come from the change set
 * (so a SQLite table rebuild that leaves a column out counts), renames from the parser
 * (a rename is not a drop: the data stays).
 */
export function removedObjects(ctx: LintContext): RemovedObject[] {
  const out: RemovedObject[] = [];
  const renamedTables = new Map<string, { newName: string; line: number }>();
  const renamedColumns = new Map<string, { newName: string; line: number }>();
  for (const { fact, statement } of allFacts(ctx)) {
    if (fact.kind === 'rename-table' && existedBefore(ctx, fact.table)) renamedTables.set(fact.table, { newName: fact.newName, line: statement.line });
    if (fact.kind === 'rename-column' && existedBefore(ctx, fact.table)) renamedColumns.set(`${fact.table}.${fact.column}`, { newName: fact.newName, line: statement.line });
  }
  // A column renamed onto the name of one the migration drops: the name stays, the type changes.
  const retyped = new Set<string>();
  for (const [key, r] of renamedColumns) {
    const [table, shadow] = key.split('.') as [string, string];
    const before = columnIn(ctx.before, table, r.newName);
    const replacement = columnIn(ctx.before, table, shadow);
    if (!before || !replacement || !columnIn(ctx.after, table, r.newName)) continue;
    renamedColumns.delete(key);
    retyped.add(`${table}.${r.newName}`);
    out.push({ table, column: r.newName, how: 'retyped', fromType: before.type, toType: replacement.type, line: lineOf(ctx, table, r.newName, ['drop-column']) });
  }
  for (const change of ctx.changes) {
    if (change.kind === 'table.extra' && !renamedTables.has(change.table)) {
      out.push({ table: change.table, how: 'dropped', line: lineOf(ctx, change.table, undefined, ['drop-table']) });
    }
    if (change.kind === 'column.extra' && change.column && !renamedColumns.has(`${change.table}.${change.column}`) && !retyped.has(`${change.table}.${change.column}`)) {
      // A table renamed in the same migration shows its columns under the new name; only real drops count.
      if (!tableIn(ctx.after, change.table)) continue;
      out.push({ table: change.table, column: change.column, how: 'dropped', line: lineOf(ctx, change.table, change.column, ['drop-column']) });
    }
  }
  for (const [table, r] of renamedTables) out.push({ table, how: 'renamed', newName: r.newName, line: r.line });
  for (const [key, r] of renamedColumns) {
    const [table, column] = key.split('.');
    out.push({ table, column, how: 'renamed', newName: r.newName, line: r.line });
  }
  return out;
}

export function objectName(o: ReferenceTarget): string {
  return o.column === undefined ? o.table : `${o.table}.${o.column}`;
}
