import { columnIn, type LintRule, lineOf, type RuleFinding } from '../lint-rule.js';
import { narrowingReason } from '../type-compat.js';

/** A column type change that can fail on existing values or lose part of them. */
export const narrowingType: LintRule = {
  id: 'narrowing-type',
  severity: 'error',
  summary: 'A column type change that can fail or lose data (varchar(30) → varchar(20), bigint → integer, text → varchar(n), …).',
  check(ctx) {
    const found = new Map<string, RuleFinding>();
    const report = (table: string, column: string, reason: string, line: number) =>
      found.set(`${table}.${column}`, {
        line,
        table,
        column,
        message: `changes the type of ${table}.${column}: ${reason}. Check the live data first (lockstep rehearse does), or add a new column of the new type, backfill it with an explicit conversion, and switch over.`,
      });
    for (const change of ctx.changes) {
      if (change.kind !== 'column.type' || !change.column) continue;
      const before = columnIn(ctx.before, change.table, change.column);
      const after = columnIn(ctx.after, change.table, change.column);
      if (!before || !after) continue;
      const reason = narrowingReason(before.typeParts, after.typeParts);
      if (reason) report(change.table, change.column, reason, lineOf(ctx, change.table, change.column, ['alter-column-type']));
    }
    // A failed ALTER COLUMN TYPE leaves no change behind: read the parser's target type.
    for (const failure of ctx.failures) {
      for (const fact of failure.statement?.facts ?? []) {
        if (fact.kind !== 'alter-column-type' || !fact.type || found.has(`${fact.table}.${fact.column}`)) continue;
        const before = columnIn(ctx.before, fact.table, fact.column);
        const reason = before ? narrowingReason(before.typeParts, fact.type) : null;
        if (reason) report(fact.table, fact.column, reason, failure.statement!.line);
      }
    }
    return [...found.values()];
  },
};
