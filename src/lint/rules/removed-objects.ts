import type { ReferenceTarget } from '../code-references.js';
import { allFacts, existedBefore, type LintContext, lineOf, tableIn } from '../lint-rule.js';

/** A table or column that code can no longer use after the migration: dropped or renamed away. */
export interface RemovedObject extends ReferenceTarget {
  how: 'dropped' | 'renamed';
  /** New name for renames. */
  newName?: string;
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
  for (const change of ctx.changes) {
    if (change.kind === 'table.extra' && !renamedTables.has(change.table)) {
      out.push({ table: change.table, how: 'dropped', line: lineOf(ctx, change.table, undefined, ['drop-table']) });
    }
    if (change.kind === 'column.extra' && change.column && !renamedColumns.has(`${change.table}.${change.column}`)) {
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
