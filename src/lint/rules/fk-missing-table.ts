import { allFacts, type LintRule, type RuleFinding, tableIn } from '../lint-rule.js';
import { addedForeignKeyProblems, failedForeignKeyStatements } from './foreign-keys.js';

export const fkMissingTable: LintRule = {
  id: 'fk-missing-table',
  severity: 'error',
  summary: 'A foreign key references a table that does not exist when the migration runs.',
  check(ctx) {
    const out: RuleFinding[] = [];
    const seen = new Set<string>();
    const report = (table: string, columns: string[], target: string, targetColumns: string[], line: number) => {
      const key = `${table}(${columns.join()})`;
      if (seen.has(key)) return;
      seen.add(key);
      out.push({
        line,
        table,
        column: columns.length === 1 ? columns[0] : undefined,
        message: `${table}.${columns.join(', ')} references ${target}${targetColumns.length > 0 ? `(${targetColumns.join(', ')})` : ''}, but no table ${target} exists when this migration runs. Create ${target} first (in an earlier migration, or earlier in this one), or fix the name.`,
      });
    };
    // PostgreSQL rejects the statement: the failure names it.
    for (const failure of failedForeignKeyStatements(ctx, ['42P01'], /relation "[^"]+" does not exist|no such table/i)) {
      for (const fact of failure.statement!.facts) {
        if (fact.kind === 'add-foreign-key' && !tableIn(ctx.before, fact.referencedTable) && !tableIn(ctx.after, fact.referencedTable)) {
          report(fact.table, fact.columns, fact.referencedTable, fact.referencedColumns, failure.statement!.line);
        }
      }
    }
    // SQLite accepts it: the schema after the migration shows it.
    for (const problem of addedForeignKeyProblems(ctx)) {
      if (problem.kind !== 'missing-table') continue;
      const line = allFacts(ctx).find(({ fact }) => fact.kind === 'add-foreign-key' && fact.table === problem.table && fact.referencedTable === problem.foreignKey.referencedTable)?.statement.line ?? 1;
      report(problem.table, problem.columns, problem.foreignKey.referencedTable, problem.foreignKey.referencedColumns, line);
    }
    return out;
  },
};
