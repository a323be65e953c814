import type { Column } from '../core/model.js';
import type { ChangeKind, SchemaChange } from '../core/schema-change.js';

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

type Verdict = { compatibility: Compatibility; reason: string };
const blocking = (reason: string): Verdict => ({ compatibility: 'blocking', reason });
const note = (reason: string): Verdict => ({ compatibility: 'note', reason });

const UNUSED = note('does not change what the code reads or writes');
const LOOSER = note('the database is less strict than the code expects');
const UNKNOWN_CONSTRAINT = note('a constraint the code does not know: only writes that break it fail');
const EXTRA = note('an extra object the code does not use');
const NEEDED = blocking('the code needs it');
const DIFFERENT = blocking('the database behaves differently from what the code expects');

/**
 * Every change kind, classified on purpose (a new kind does not compile until it is added
 * here). The objects issue 13 added (triggers, policies, functions, sequences, extensions,
 * domains, composite types, virtual tables, exclusion constraints, options, collations) follow one rule: an extra one
 * on the live database is a note; a missing or different one is blocking, since the code
 * may rely on what it does (a trigger that keeps an invariant, a policy, a function a
 * default calls, a collation an ORDER BY or a unique key depends on).
 */
const KINDS: Record<ChangeKind, (change: SchemaChange) => Verdict> = {
  'table.missing': () => NEEDED,
  'table.extra': () => UNUSED,
  'table.options': () => DIFFERENT,
  'table.partitioning': () => DIFFERENT,
  'partition.missing': () => blocking('rows of that partition\'s range cannot be written'),
  'partition.extra': () => EXTRA,
  'partition.bound': () => DIFFERENT,
  'column.missing': () => NEEDED,
  'column.extra': (change) => {
    const column = change.actual as Column | undefined;
    const filled = !column || column.nullable || column.default !== null || column.identity !== null || column.generated !== null || column.autoincrement;
    return filled ? note('an extra column the code does not use') : blocking('an extra NOT NULL column without a default: inserts by this build fail');
  },
  'column.type': () => NEEDED,
  'column.nullable': (change) => {
    const expected = change.expected as boolean | Column | undefined;
    const expectedNullable = typeof expected === 'boolean' ? expected : (expected as Column | undefined)?.nullable;
    return expectedNullable === false ? note('the database accepts nulls the code never writes') : blocking('NOT NULL in the database where the code may write null');
  },
  'column.default': () => note('a different default (the code does not rely on the database for it, or writes the value)'),
  'column.collation': () => DIFFERENT,
  'comment.mismatch': () => note('a comment does not change what the code reads or writes'),
  'grant.missing': () => blocking('a role lacks a privilege the schema grants: its queries fail with "permission denied"'),
  'grant.extra': () => note('a role has a privilege the schema does not grant: nothing the code does fails'),
  'default-privilege.missing': () => note('objects created later will lack a privilege the schema gives them by default: nothing that exists now fails'),
  'default-privilege.extra': () => note('objects created later will get a privilege the schema does not give them: nothing the code does fails'),
  'pk.mismatch': () => NEEDED,
  'fk.missing': () => LOOSER,
  'fk.extra': () => UNKNOWN_CONSTRAINT,
  'fk.mismatch': () => NEEDED,
  'unique.missing': () => LOOSER,
  'unique.extra': () => UNKNOWN_CONSTRAINT,
  'index.missing': () => UNUSED,
  'index.extra': () => UNUSED,
  'index.mismatch': () => UNUSED,
  'check.missing': () => LOOSER,
  'check.extra': () => UNKNOWN_CONSTRAINT,
  'exclusion.missing': () => NEEDED,
  'exclusion.extra': () => EXTRA,
  'exclusion.definition': () => DIFFERENT,
  'domain.missing': () => NEEDED,
  'domain.extra': () => EXTRA,
  'domain.definition': () => DIFFERENT,
  'composite-type.missing': () => NEEDED,
  'composite-type.extra': () => EXTRA,
  'composite-type.definition': () => DIFFERENT,
  'enum.missing': () => NEEDED,
  'enum.extra': () => UNUSED,
  'enum.values': (change) => {
    const expected = (change.expected as { values?: string[] } | undefined)?.values ?? [];
    const actual = (change.actual as { values?: string[] } | undefined)?.values ?? [];
    return expected.every((v) => actual.includes(v)) ? note('the database has more enum values') : blocking('an enum value the code uses is missing');
  },
  'view.missing': () => NEEDED,
  'view.extra': () => UNUSED,
  'view.definition': () => DIFFERENT,
  'trigger.missing': () => NEEDED,
  'trigger.extra': () => EXTRA,
  'trigger.definition': () => DIFFERENT,
  'trigger.enabled': () => DIFFERENT,
  'rls.mismatch': () => DIFFERENT,
  'policy.missing': () => NEEDED,
  'policy.extra': () => EXTRA,
  'policy.definition': () => DIFFERENT,
  'function.missing': () => NEEDED,
  'function.extra': () => EXTRA,
  'function.definition': () => DIFFERENT,
  'sequence.missing': () => NEEDED,
  'sequence.extra': () => EXTRA,
  'sequence.mismatch': () => DIFFERENT,
  'extension.missing': () => NEEDED,
  'extension.extra': () => EXTRA,
  'extension.version': () => DIFFERENT,
  'virtual-table.missing': () => NEEDED,
  'virtual-table.extra': () => EXTRA,
  'virtual-table.definition': () => DIFFERENT,
};

function classify(change: SchemaChange): Verdict {
  return KINDS[change.kind](change);
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
