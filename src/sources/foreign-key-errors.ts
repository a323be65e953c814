/**
 * Turns foreign-key problems of an expected schema into one error that points at the
 * script lines declaring them, in the format of every other script error:
 * `schema.sql:14: content_requests.organization_id references organizations(organization_id), but no table organizations is defined`.
 */
import type { Dialect } from '../dialects/dialect.js';
import { LockstepError } from '../core/errors.js';
import type { ForeignKeyProblem } from '../core/validate-foreign-keys.js';
import { locateForeignKey, locateTable, type ScriptFile } from './locate-in-script.js';

/**
 * A LockstepError listing every problem (one per line), or undefined when there is none.
 *
 * @example
 * const error = foreignKeyError(dialect, validateForeignKeys(schema), [{ file: 'schema.sql', script }]);
 * if (error) throw error;
 */
export function foreignKeyError(dialect: Dialect, problems: ForeignKeyProblem[], sources: ScriptFile[]): LockstepError | undefined {
  if (problems.length === 0) return undefined;
  const lines = problems.map((problem) => {
    const fk = problem.foreignKey;
    const at = locateForeignKey(dialect, sources, problem.table, fk.columns, fk.referencedTable) ?? locateTable(dialect, sources, problem.table);
    return at ? `${at.file}:${at.line}: ${problem.message}` : `${sources.at(-1)?.file ?? 'schema'}: ${problem.message}`;
  });
  const first = problems[0];
  const hint =
    first.kind === 'missing-table'
      ? `Define table ${first.foreignKey.referencedTable} (before the tables that reference it), or fix the reference.`
      : first.kind === 'not-unique'
        ? 'A foreign key must reference the primary key or a unique constraint of the target table.'
        : first.kind === 'type-mismatch'
          ? 'Give the referencing column the same type as the column it references.'
          : 'Fix the reference so that it names existing columns of the target table.';
  const location = lines[0].match(/^(.*?:\d+):/)?.[1];
  return new LockstepError(lines.join('\n'), { hint, ...(location ? { location } : {}) });
}
