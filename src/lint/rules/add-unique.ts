import type { Index, UniqueConstraint } from '../../core/model.js';
import { columnList, existedBefore, type LintRule, lineOf } from '../lint-rule.js';

/** A unique constraint or unique index added to a table that already holds rows. */
export const addUnique: LintRule = {
  id: 'add-unique',
  severity: 'warning',
  summary: 'A unique constraint or index added to an existing table (fails on duplicates; locks writes while it builds).',
  check(ctx) {
    const out = [];
    for (const change of ctx.changes) {
      if (!existedBefore(ctx, change.table)) continue;
      let columns: string[] | undefined;
      if (change.kind === 'unique.missing') columns = (change.expected as UniqueConstraint).columns;
      if (change.kind === 'index.missing' && (change.expected as Index).unique) {
        columns = (change.expected as Index).keys.map((k) => k.column ?? k.expression ?? '?');
      }
      if (!columns) continue;
      // Where indexes can be built concurrently, the plain build is the one that blocks writes.
      const concurrent = ctx.dialect.supportsConcurrentIndexes;
      out.push({
        line: lineOf(ctx, change.table, columns[0], (f) => f.kind === 'add-unique' || (f.kind === 'create-index' && f.unique)),
        table: change.table,
        column: columns.length === 1 ? columns[0] : undefined,
        message: `adds a unique ${change.kind === 'unique.missing' ? 'constraint' : 'index'} on ${change.table}(${columnList(columns)}): fails if existing rows hold duplicates${concurrent ? ', and blocks writes while the index builds' : ''}. Find and fix duplicates first (lockstep rehearse lists them)${concurrent ? `; build it with CREATE UNIQUE INDEX CONCURRENTLY and then ADD CONSTRAINT … UNIQUE USING INDEX` : ''}.`,
      });
    }
    return out;
  },
};
