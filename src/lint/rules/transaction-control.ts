import { findTransactionControl } from '../../migrations/transaction-control.js';
import type { LintRule } from '../lint-rule.js';

/** The same statements `migrate up` refuses (src/migrations/transaction-control.ts), found before deploy. */
export const transactionControl: LintRule = {
  id: 'transaction-control',
  severity: 'error',
  summary: 'BEGIN/COMMIT/ROLLBACK/END/START TRANSACTION in a migration that lockstep already runs in a transaction.',
  check(ctx) {
    if (ctx.migration.noTransaction) return [];
    return findTransactionControl(ctx.dialect, ctx.migration.up).map((f) => ({
      line: f.line,
      message: `${f.keyword} controls the transaction itself, but lockstep runs this migration in a transaction of its own together with its history row (a COMMIT would end it early, a BEGIN would fail inside it), so migrate up refuses it. Remove the statement, or put -- lockstep:no-transaction on the first line to run the script as written.`,
    }));
  },
};
