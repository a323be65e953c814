import type { Column } from '../core/model.js';
import type { SchemaChange } from '../core/schema-change.js';

/**
 * Compatibility, not equality (docs/deploys.md). During a rolling deploy two releases run
 * against one database, so the runtime guard asks whether *this build* can run on the
 * live database, not whether they are equal:
 * - `blocking`: the database lacks what the code needs (a table, a column, an enum value),
 *   or is shaped so the code's reads or writes fail (another type, a NOT NULL column the
 *   code does not fill, a NOT NULL where the code may write null);
 * - `note`: the database is compatibly ahead or looser (an extra nullable or defaulted
 *   column, an extra table, view or index, a missing index or constraint). Ready, and said.
 */
export type Compatibility = 'blocking' | 'note';

export interface ClassifiedChange {
  change: SchemaChange;
  compatibility: Compatibility;
  /** Why, in a few words (`the code reads this column`). */
  reason: string;
}

/** One entry of the allowlist (`guard.allow` in lockstep.config.json): `kind`, `kind:table` or `kind:table.column`; `*` matches any run of characters. */
export type AllowRule = string;

/**
 * Classifies each difference between what the code expects and the live database.
 * Changes matched by `allow` become notes.
 *
 * @example
 * classifyChanges(diffSchemas(expected, live).changes).filter((c) => c.compatibility === 'blocking');
 */
export function classifyChanges(changes: SchemaChange[], allow: readonly AllowRule[] = []): ClassifiedChange[] {
  return changes.map((change) => {
    if (allow.some((rule) => allowMatches(rule, change))) return { change, compatibility: 'note', reason: 'accepted by guard.allow' };
    return { change, ...classify(change) };
  });
}

function classify(change: SchemaChange): { compatibility: Compatibility; reason: string } {
  const blocking = (reason: string) => ({ compatibility: 'blocking' as const, reason });
  const note = (reason: string) => ({ compatibility: 'note' as const, reason });
  switch (change.kind) {
    case 'column.extra': {
      const column = change.actual as Column | undefined;
      const filled = !column || column.nullable || column.default !== null || column.identity !== null || column.generated !== null || column.autoincrement;
      return filled ? note('an extra column the code does not use') : blocking('an extra NOT NULL column without a default: inserts by this build fail');
    }
    case 'column.nullable': {
      const expected = change.expected as boolean | Column | undefined;
      const expectedNullable = typeof expected === 'boolean' ? expected : (expected as Column | undefined)?.nullable;
      return expectedNullable === false ? note('the database accepts nulls the code never writes') : blocking('NOT NULL in the database where the code may write null');
    }
    case 'column.default':
      return note('a different default (the code does not rely on the database for it, or writes the value)');
    case 'table.extra':
    case 'view.extra':
    case 'enum.extra':
    case 'index.extra':
    case 'index.missing':
    case 'index.mismatch':
      return note('does not change what the code reads or writes');
    case 'fk.missing':
    case 'unique.missing':
    case 'check.missing':
      return note('the database is less strict than the code expects');
    case 'fk.extra':
    case 'unique.extra':
    case 'check.extra':
      return note('a constraint the code does not know: only writes that break it fail');
    case 'enum.values': {
      const expected = (change.expected as { values?: string[] } | undefined)?.values ?? [];
      const actual = (change.actual as { values?: string[] } | undefined)?.values ?? [];
      return expected.every((v) => actual.includes(v)) ? note('the database has more enum values') : blocking('an enum value the code uses is missing');
    }
    default:
      // Missing objects, other types, key changes and anything a later version adds.
      return change.kind.endsWith('.extra') ? note('an extra object the code does not use') : blocking('the code needs it');
  }
}

function allowMatches(rule: AllowRule, change: SchemaChange): boolean {
  const [kind, target] = rule.split(':', 2);
  if (!globMatch(kind!.trim(), change.kind)) return false;
  if (target === undefined) return true;
  const name = `${change.schema ? `${change.schema}.` : ''}${change.table}${change.column ? `.${change.column}` : ''}`;
  return globMatch(target.trim(), name) || globMatch(target.trim(), `${change.table}${change.column ? `.${change.column}` : ''}`);
}

function globMatch(pattern: string, text: string): boolean {
  const regex = new RegExp(`^${pattern.split('*').map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);
  return regex.test(text);
}
