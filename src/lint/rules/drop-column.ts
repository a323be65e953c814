import type { LintRule } from '../lint-rule.js';
import { removedObjects } from './removed-objects.js';

export const dropColumn: LintRule = {
  id: 'drop-column',
  severity: 'warning',
  summary: 'A column is dropped (its data is gone; code outside src/ may still use it).',
  check(ctx) {
    return removedObjects(ctx)
      .filter((o) => o.how === 'dropped' && o.column !== undefined && ctx.references(o).length === 0)
      .map((o) => ({
        line: o.line,
        table: o.table,
        column: o.column,
        message: `drops column ${o.table}.${o.column} and its data. No code in src/ uses it; make sure no other service reads it, and that the code running during the deploy does not either.`,
      }));
  },
};
