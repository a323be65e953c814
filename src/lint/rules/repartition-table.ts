import { existedBefore, type LintRule, lineOf } from '../lint-rule.js';

export const repartitionTable: LintRule = {
  id: 'repartition-table',
  severity: 'warning',
  requires: ['supportsPartitioning'],
  summary: 'A table is dropped and created again to change its partitioning (PostgreSQL cannot change it in place).',
  check(ctx) {
    return ctx.changes
      .filter((c) => c.kind === 'table.partitioning' && existedBefore(ctx, c.table))
      .map((c) => ({
        line: lineOf(ctx, c.table, undefined, ['drop-table']),
        table: c.table,
        message:
          `drops ${c.table} and creates it again ${c.expected ? `partitioned by ${String(c.expected)}` : 'as a plain table'}: its rows survive only if the migration copies them ` +
          `(lockstep generate copies them through ${c.table}_lockstep_rows), and the table is locked and rewritten while they are copied. Check the copy, and run it when the table can be unavailable.`,
      }));
  },
};
