import { allFacts, existedBefore, type LintRule } from '../lint-rule.js';

export const indexNotConcurrent: LintRule = {
  id: 'index-not-concurrent',
  severity: 'warning',
  requires: ['supportsConcurrentIndexes'],
  summary: 'CREATE INDEX on an existing table without CONCURRENTLY (blocks writes while it builds).',
  check(ctx) {
    return allFacts(ctx)
      .filter(({ fact }) => fact.kind === 'create-index' && !fact.concurrently && existedBefore(ctx, fact.table))
      .map(({ fact, statement }) => {
        const f = fact as Extract<typeof fact, { kind: 'create-index' }>;
        return {
          line: statement.line,
          table: f.table,
          column: f.columns.length === 1 ? f.columns[0] : undefined,
          message: `builds ${f.unique ? 'unique ' : ''}index ${f.index ?? ''} on existing table ${f.table} without CONCURRENTLY: writes to ${f.table} wait until it is built. Use CREATE ${f.unique ? 'UNIQUE ' : ''}INDEX CONCURRENTLY in a migration of its own that starts with -- lockstep:no-transaction.`.replace('index  on', 'an index on'),
        };
      });
  },
};
