import type { LintRule } from '../lint-rule.js';

/**
 * A statement the scratch database rejected that no more specific rule explains.
 * lint.ts drops this finding for a line another rule already reported.
 */
export const migrationFails: LintRule = {
  id: 'migration-fails',
  severity: 'error',
  summary: 'The migration fails on a scratch database holding the schema it runs on.',
  check(ctx) {
    return ctx.failures.map((f) => ({
      line: f.line,
      message: `fails on a scratch database with the schema it runs on: ${f.message}${f.detail ? ` (${f.detail})` : ''}. Fix the statement; it would fail the same way in production.`,
    }));
  },
};
