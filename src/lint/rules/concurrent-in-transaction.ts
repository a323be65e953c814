import type { LintRule } from '../lint-rule.js';

export const concurrentInTransaction: LintRule = {
  id: 'concurrent-in-transaction',
  severity: 'error',
  requires: ['supportsConcurrentIndexes'],
  summary: 'CONCURRENTLY in a migration that runs inside a transaction (PostgreSQL refuses it).',
  check(ctx) {
    if (ctx.migration.noTransaction) return [];
    return ctx.facts.statements
      .filter((s) => s.concurrently)
      .map((s) => ({
        line: s.line,
        table: s.facts.find((f) => f.kind === 'create-index')?.table,
        message: `uses CONCURRENTLY, which cannot run inside a transaction block, and this migration runs in one. Move the statement into a migration of its own whose first line is -- lockstep:no-transaction.`,
      }));
  },
};
