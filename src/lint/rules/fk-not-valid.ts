import { allFacts, existedBefore, type LintRule } from '../lint-rule.js';

export const fkNotValid: LintRule = {
  id: 'fk-not-valid',
  severity: 'warning',
  requires: ['supportsNotValidConstraints'],
  summary: 'ADD FOREIGN KEY on an existing table without NOT VALID (checks every row while holding locks).',
  check(ctx) {
    return allFacts(ctx)
      .filter(({ fact }) => fact.kind === 'add-foreign-key' && !fact.onNewRows && !fact.notValid && existedBefore(ctx, fact.table))
      .map(({ fact, statement }) => {
        const f = fact as Extract<typeof fact, { kind: 'add-foreign-key' }>;
        return {
          line: statement.line,
          table: f.table,
          column: f.columns.length === 1 ? f.columns[0] : undefined,
          message: `adds a foreign key on ${f.table}(${f.columns.join(', ')}) → ${f.referencedTable} that checks every existing row while holding SHARE ROW EXCLUSIVE locks on both tables (writes wait). Add it with NOT VALID, then run ALTER TABLE ${f.table} VALIDATE CONSTRAINT … in a later migration (takes a weaker lock).`,
        };
      });
  },
};
