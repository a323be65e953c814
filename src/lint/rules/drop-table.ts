import type { LintRule } from '../lint-rule.js';
import { removedObjects } from './removed-objects.js';

export const dropTable: LintRule = {
  id: 'drop-table',
  severity: 'warning',
  summary: 'A table is dropped (its data is gone; code outside src/ may still use it).',
  check(ctx) {
    return removedObjects(ctx)
      .filter((o) => o.how === 'dropped' && o.column === undefined && ctx.references(o).length === 0)
      .map((o) => ({
        line: o.line,
        table: o.table,
        message: `drops table ${o.table} and every row in it. No code in src/ uses it; make sure no other service or report does, and keep a backup (or rename it to ${o.table}_old and drop it a release later).`,
      }));
  },
};
