import type { Schema } from '../core/model.js';
import { renameColumns } from '../core/rename-columns.js';
import type { MigrationFacts } from './statement-facts.js';

/**
 * The schema before a migration with the migration's own column renames applied, so that
 * diffing it against the schema after shows what the migration really changes: a rename
 * adds no column, no NOT NULL and no unique constraint, it only moves a name (which the
 * rename rules and the code-reference rule read from the parser's facts).
 *
 * @example
 * withColumnRenames(before, extractStatementFacts(dialect, 'alter table t rename column a to b;'));
 * // table t now has column b wherever it had a (columns, keys, indexes, foreign keys)
 */
export function withColumnRenames(before: Schema, facts: MigrationFacts): Schema {
  const renames = new Map<string, Map<string, string>>();
  for (const statement of facts.statements) {
    for (const fact of statement.facts) {
      if (fact.kind !== 'rename-column') continue;
      const table = before.tables.find((t) => t.name === fact.table);
      if (!table?.columns.some((c) => c.name === fact.column)) continue;
      let columns = renames.get(fact.table);
      if (!columns) renames.set(fact.table, (columns = new Map()));
      // a → b then b → c in one migration: a ends up as c.
      const original = [...columns].find(([, to]) => to === fact.column)?.[0] ?? fact.column;
      columns.set(original, fact.newName);
    }
  }
  return renameColumns(
    before,
    [...renames].flatMap(([table, columns]) => [...columns].map(([from, to]) => ({ table, from, to }))),
  );
}
