import { allFacts, columnIn, existedBefore, type LintRule } from '../lint-rule.js';
import { describeType, typeChangeRewrites } from '../type-compat.js';

export const typeRewrite: LintRule = {
  id: 'type-rewrite',
  severity: 'warning',
  requires: ['supportsAlterColumn'],
  summary: 'ALTER COLUMN TYPE that rewrites the whole table under an ACCESS EXCLUSIVE lock.',
  check(ctx) {
    const out = [];
    for (const { fact, statement } of allFacts(ctx)) {
      if (fact.kind !== 'alter-column-type' || !existedBefore(ctx, fact.table)) continue;
      const before = columnIn(ctx.before, fact.table, fact.column);
      const after = columnIn(ctx.after, fact.table, fact.column);
      const target = after && after.type !== before?.type ? after.typeParts : fact.type;
      if (!before || !target || !typeChangeRewrites(before.typeParts, target, fact.using)) continue;
      out.push({
        line: statement.line,
        table: fact.table,
        column: fact.column,
        message: `changes ${fact.table}.${fact.column} from ${describeType(before.typeParts)} to ${describeType(target)}${fact.using ? ' with USING' : ''}: PostgreSQL rewrites the whole table and its indexes while holding an ACCESS EXCLUSIVE lock (no reads or writes). Add a new column, backfill it in batches, and switch over; widening varchar or varchar → text needs no rewrite.`,
      });
    }
    return out;
  },
};
