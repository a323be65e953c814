import type { LintRule } from '../lint-rule.js';
import { removedObjects } from './removed-objects.js';

export const renameTable: LintRule = {
  id: 'rename-table',
  severity: 'warning',
  summary: 'A table is renamed: code still running during a rolling deploy uses the old name.',
  check(ctx) {
    return removedObjects(ctx)
      .filter((o) => o.how === 'renamed' && o.column === undefined)
      .map((o) => ({
        line: o.line,
        table: o.table,
        message: `renames table ${o.table} to ${o.newName}: the old code still running during a rolling deploy fails on ${o.table}. Create the new table (or a view named ${o.table} over ${o.newName}) so both names work until every instance runs the new code.`,
      }));
  },
};
