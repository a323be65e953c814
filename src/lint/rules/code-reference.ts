import type { LintRule } from '../lint-rule.js';
import { objectName, removedObjects } from './removed-objects.js';

/** A dropped or renamed table or column that the application's code still uses. */
export const codeReference: LintRule = {
  id: 'code-reference',
  severity: 'error',
  summary: 'A table or column the migration drops or renames is still used by the code in src/.',
  check(ctx) {
    // A retyped column keeps its name: the working tree ships with (or before) the contract step and reads the new type.
    return removedObjects(ctx).filter((removed) => removed.how !== 'retyped').flatMap((removed) => {
      const references = ctx.references(removed);
      if (references.length === 0) return [];
      const name = objectName(removed);
      const what = removed.how === 'dropped' ? 'drops' : `renames (to ${removed.newName})`;
      const places = `${references.length} place${references.length === 1 ? '' : 's'}`;
      return [
        {
          line: removed.line,
          table: removed.table,
          column: removed.column,
          references,
          message: `${what} ${name}, but src/ still uses it in ${places}. ${ctx.facts.contract ? 'Hold this contract migration back: ' : ''}Deploy code that no longer uses ${name} first, then ${removed.how === 'dropped' ? 'drop it' : 'rename it (or add the new name, copy, and drop the old one later)'} in a later migration.`,
        },
      ];
    });
  },
};
