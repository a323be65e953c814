import { allFacts, columnIn, existedBefore, type LintRule, lineOf, type RuleFinding } from '../lint-rule.js';

/**
 * NOT NULL arriving on a table that may hold rows: a new NOT NULL column with nothing to
 * fill the old rows with, or SET NOT NULL on a column that may hold NULLs. Read from the
 * change set (covers SQLite rebuilds) and from the parser (covers SQLite's ADD COLUMN,
 * which the scratch database rejects outright).
 */
export const notNullWithoutDefault: LintRule = {
  id: 'not-null-without-default',
  severity: 'error',
  summary: 'ADD COLUMN … NOT NULL without a default, or SET NOT NULL, on a table that may hold rows.',
  check(ctx) {
    const found = new Map<string, RuleFinding>();
    const addColumn = (table: string, column: string, line: number) => {
      found.set(`${table}.${column}`, {
        line,
        table,
        column,
        message: `adds ${table}.${column} as NOT NULL with no default: every existing row of ${table} would be NULL, so this fails on a table that holds rows. Add a DEFAULT, or add the column nullable, backfill it, then set NOT NULL in a later migration.`,
      });
    };
    // SET NOT NULL in place (not a rebuild) scans the table under its strongest lock; a
    // validated NOT VALID check lets it skip the scan.
    const inPlace = ctx.dialect.supportsAlterColumn;
    const notValid = ctx.dialect.supportsNotValidConstraints;
    const setNotNull = (table: string, column: string, line: number) => {
      found.set(`${table}.${column}`, {
        line,
        table,
        column,
        message: `makes ${table}.${column} NOT NULL: fails if any row holds NULL${inPlace ? ', and scans the whole table under an ACCESS EXCLUSIVE lock' : ''}. Backfill the NULLs first${notValid ? `; on a large table add CHECK (${column} IS NOT NULL) NOT VALID, VALIDATE it, then SET NOT NULL (no scan)` : ''}.`,
      });
    };
    for (const change of ctx.changes) {
      if (!change.column || !existedBefore(ctx, change.table)) continue;
      const after = columnIn(ctx.after, change.table, change.column);
      if (!after || after.nullable) continue;
      if (change.kind === 'column.missing' && after.default === null && after.identity === null && after.generated === null && !after.autoincrement) {
        addColumn(change.table, change.column, lineOf(ctx, change.table, change.column, ['add-column']));
      }
      if (change.kind === 'column.nullable' && columnIn(ctx.before, change.table, change.column)?.nullable) {
        setNotNull(change.table, change.column, lineOf(ctx, change.table, change.column, ['set-not-null']));
      }
    }
    for (const { fact, statement } of allFacts(ctx)) {
      if (!existedBefore(ctx, fact.table) || found.has(`${fact.table}.${'column' in fact ? fact.column : ''}`)) continue;
      if (fact.kind === 'add-column' && fact.notNull && !fact.hasDefault) addColumn(fact.table, fact.column, statement.line);
      if (fact.kind === 'set-not-null' && columnIn(ctx.before, fact.table, fact.column)?.nullable !== false) setNotNull(fact.table, fact.column, statement.line);
    }
    return [...found.values()];
  },
};
