import { allFacts, columnIn, type LintRule, type RuleFinding } from '../lint-rule.js';
import { addedForeignKeyProblems, failedForeignKeyStatements } from './foreign-keys.js';

export const fkTypeMismatch: LintRule = {
  id: 'fk-type-mismatch',
  severity: 'error',
  summary: 'A foreign key between columns of different types (uuid vs varchar(100)).',
  check(ctx) {
    const out: RuleFinding[] = [];
    // PostgreSQL: 42804 "foreign key constraint … cannot be implemented", with the two types in the detail.
    for (const failure of failedForeignKeyStatements(ctx, ['42804'], /cannot be implemented|incompatible types/i)) {
      const fact = failure.statement!.facts.find((f) => f.kind === 'add-foreign-key');
      if (!fact || fact.kind !== 'add-foreign-key') continue;
      const types = /incompatible types: (.+) and (.+?)\.?$/.exec(failure.detail ?? '');
      const shown = types ? ` (${types[1]} vs ${types[2]})` : '';
      out.push({
        line: failure.statement!.line,
        table: fact.table,
        column: fact.columns.length === 1 ? fact.columns[0] : undefined,
        message: `${fact.table}.${fact.columns.join(', ')} references ${fact.referencedTable}(${fact.referencedColumns.join(', ')}) but the types differ${shown}. Give the referencing column the referenced column's type.`,
      });
    }
    // SQLite (and any key the database accepted): compare the schema's column types.
    for (const problem of addedForeignKeyProblems(ctx)) {
      if (problem.kind !== 'type-mismatch') continue;
      const from = problem.columns.map((c) => columnIn(ctx.after, problem.table, c)?.type ?? '?').join(', ');
      const to = problem.foreignKey.referencedColumns.map((c) => columnIn(ctx.after, problem.foreignKey.referencedTable, c)?.type ?? '?').join(', ');
      const line = allFacts(ctx).find(({ fact }) => fact.kind === 'add-foreign-key' && fact.table === problem.table)?.statement.line ?? 1;
      out.push({
        line,
        table: problem.table,
        column: problem.columns.length === 1 ? problem.columns[0] : undefined,
        message: `${problem.table}.${problem.columns.join(', ')} (${from}) references ${problem.foreignKey.referencedTable}(${problem.foreignKey.referencedColumns.join(', ')}) (${to}): the types differ, so lookups compare with a cast (or never match). Give the referencing column the referenced column's type.`,
      });
    }
    return out;
  },
};
