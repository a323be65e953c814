/**
 * The order `check` lists its changes in, so that their fixes run top to bottom on any
 * database, an empty one included: what blocks a change is dropped before it, what a
 * change needs is created before it.
 *
 * 1. dependents that go away: views, triggers, policies, foreign keys, checks, uniques
 *    and indexes (a dropped constraint before the replacement of the same name);
 * 2. extensions, types (enums, domains, composite types), sequences and functions (defaults, checks,
 *    indexes and triggers use them), then aggregates (their support functions exist); a
 *    routine whose signature uses a missing table's row type comes right after phase 3;
 * 3. tables, each after the tables its foreign keys reference, then column and primary
 *    key changes;
 * 4. uniques, checks, indexes; 5. foreign keys and sequence changes (their columns exist);
 * 6. triggers, row-level security and policies; 7. views, each after the views it reads,
 *    then the privileges granted on them (revoked ones go in phase 0);
 * 8. columns and tables that go away (a referencing table before the one it references);
 * 9. types (enums, domains, composite types), sequences, functions and extensions that go away;
 * 10. default privileges (`ALTER DEFAULT PRIVILEGES`), once every object exists.
 *
 * Within a phase the diff's order (schema, table, kind, name) is kept. Dialect-neutral:
 * only kinds and the expected schema's references are read.
 */
import type { SchemaFunction, Table, View } from '../core/model.js';
import { signatureTypeNames } from '../core/routine-signature.js';
import type { ChangeKind, SchemaChange } from '../core/schema-change.js';

const PHASES: Record<ChangeKind, number> = {
  'view.extra': 0,
  'grant.extra': 0,
  'trigger.extra': 0,
  'policy.extra': 0,
  'fk.extra': 0,
  'check.extra': 1,
  'exclusion.extra': 1,
  'unique.extra': 1,
  'index.extra': 1,
  'extension.missing': 2,
  'extension.version': 2,
  'enum.missing': 2,
  'domain.missing': 2,
  'composite-type.missing': 2,
  'composite-type.definition': 2,
  'domain.definition': 2,
  'enum.values': 2,
  'sequence.missing': 2,
  'function.missing': 2,
  'function.definition': 2,
  'virtual-table.missing': 3,
  'virtual-table.definition': 3,
  'table.missing': 3,
  'table.options': 3,
  'table.partitioning': 3,
  'partition.missing': 3,
  'partition.bound': 3,
  'column.missing': 3,
  'column.type': 3,
  'column.nullable': 3,
  'column.default': 3,
  'column.collation': 3,
  'comment.mismatch': 3,
  'pk.mismatch': 3,
  'unique.missing': 4,
  'check.missing': 4,
  'exclusion.missing': 4,
  'exclusion.definition': 4,
  'index.missing': 4,
  'index.mismatch': 4,
  'fk.missing': 5,
  'fk.mismatch': 5,
  'sequence.mismatch': 5,
  'trigger.missing': 6,
  'trigger.definition': 6,
  'trigger.enabled': 6,
  'rls.mismatch': 6,
  'policy.missing': 6,
  'policy.definition': 6,
  'view.missing': 7,
  'view.definition': 7,
  'grant.missing': 7.5,
  'column.extra': 8,
  'table.extra': 8,
  'partition.extra': 8,
  'virtual-table.extra': 8,
  'enum.extra': 9,
  'domain.extra': 9,
  'composite-type.extra': 9,
  'sequence.extra': 9,
  'function.extra': 9,
  'extension.extra': 9,
  // Last: a default privilege set earlier would give the objects the fixes create privileges of its own.
  'default-privilege.extra': 10,
  'default-privilege.missing': 10,
};

/**
 * `changes` (from `diffSchemas(expected, actual)`) in the order their fixes can run.
 *
 * @example
 * const ordered = orderForFixes(diffSchemas(expected, actual).changes);
 * // on an empty database: every table after the tables it references, views last
 */
export function orderForFixes(changes: SchemaChange[]): SchemaChange[] {
  const position = new Map(changes.map((c, i) => [c, i]));
  const rank = new Map<SchemaChange, number>();
  const missingTables = changes.filter((c) => c.kind === 'table.missing');
  topologicalRanks(missingTables, (c) => c.expected as Table, false).forEach((r, c) => rank.set(c, r));
  const extraTables = changes.filter((c) => c.kind === 'table.extra');
  topologicalRanks(extraTables, (c) => c.actual as Table, true).forEach((r, c) => rank.set(c, r));
  const views = changes.filter((c) => c.kind === 'view.missing' || c.kind === 'view.definition');
  viewRanks(views).forEach((r, c) => rank.set(c, r));
  const newRowTypes = new Set(missingTables.map((c) => (c.expected as Table).name.toLowerCase()));
  const phase = (c: SchemaChange) => {
    if (c.kind === 'function.extra') return PHASES[c.kind] - ((c.actual as SchemaFunction).kind === 'aggregate' ? 0.5 : 0);
    if (c.kind !== 'function.missing' && c.kind !== 'function.definition') return PHASES[c.kind];
    const fn = c.expected as SchemaFunction;
    const after = fn.kind === 'aggregate' ? 0.5 : 0;
    return signatureTypeNames(fn).some((name) => newRowTypes.has(name)) ? 3.5 + after : PHASES[c.kind] + after;
  };
  return [...changes].sort(
    (a, b) => phase(a) - phase(b) || (rank.get(a) ?? 0) - (rank.get(b) ?? 0) || position.get(a)! - position.get(b)!,
  );
}

const tableKey = (t: { schema: string; name: string }) => `${t.schema}\u0000${t.name}`;

/**
 * Depth of each table in the graph of foreign keys among `changes` (a referenced table
 * first; `reverse`: a referencing table first). A cycle is cut where it closes: the
 * fixes add such a foreign key after both tables exist.
 */
function topologicalRanks(changes: SchemaChange[], table: (c: SchemaChange) => Table, reverse: boolean): Map<SchemaChange, number> {
  const byKey = new Map(changes.map((c) => [tableKey(table(c)), c]));
  const depth = new Map<SchemaChange, number>();
  const visiting = new Set<SchemaChange>();
  const visit = (c: SchemaChange): number => {
    const known = depth.get(c);
    if (known !== undefined) return known;
    if (visiting.has(c)) return 0;
    visiting.add(c);
    let d = 0;
    // A table's fix also adds its partitions' own foreign keys.
    const partitionKeys = (table(c).partitioning?.partitions ?? []).flatMap((p) => p.own?.foreignKeys ?? []);
    for (const fk of [...table(c).foreignKeys, ...partitionKeys]) {
      const target = byKey.get(tableKey({ schema: fk.referencedSchema, name: fk.referencedTable }));
      if (target && target !== c) d = Math.max(d, visit(target) + 1);
    }
    visiting.delete(c);
    depth.set(c, d);
    return d;
  };
  for (const c of changes) visit(c);
  if (reverse) for (const [c, d] of depth) depth.set(c, -d);
  return depth;
}

/** Depth of each view among the views that read one another (by name in the body). */
function viewRanks(changes: SchemaChange[]): Map<SchemaChange, number> {
  const depth = new Map<SchemaChange, number>();
  const visiting = new Set<SchemaChange>();
  const view = (c: SchemaChange) => c.expected as View;
  const visit = (c: SchemaChange): number => {
    const known = depth.get(c);
    if (known !== undefined) return known;
    if (visiting.has(c)) return 0;
    visiting.add(c);
    let d = 0;
    for (const other of changes) if (other !== c && mentions(view(c).definition, view(other).name)) d = Math.max(d, visit(other) + 1);
    visiting.delete(c);
    depth.set(c, d);
    return d;
  };
  for (const c of changes) visit(c);
  return depth;
}

function mentions(definition: string, name: string): boolean {
  const escaped = name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`(^|[^A-Za-z0-9_$])"?${escaped}"?($|[^A-Za-z0-9_$])`, 'i').test(definition);
}

