import type { LintRule } from '../lint-rule.js';
import { removedObjects } from './removed-objects.js';

export const renameColumn: LintRule = {
  id: 'rename-column',
  severity: 'warning',
  summary: 'A column is renamed: code still running during a rolling deploy uses the old name.',
  check(ctx) {
    return removedObjects(ctx)
      .filter((o) => o.how === 'renamed' && o.column !== undefined)
      .map((o) => ({
        line: o.line,
        table: o.table,
        column: o.column,
        message: `renames ${o.table}.${o.column} to ${o.newName}: old code still running during a rolling deploy fails on ${o.column}. Add ${o.newName}, write both, backfill, switch reads, and drop ${o.column} in a later release.`,
      }));
  },
};
