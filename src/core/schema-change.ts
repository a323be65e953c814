/**
 * What the diff engine reports. "missing" = expected but absent from the actual side;
 * "extra" = present on the actual side but not expected.
 */
export const CHANGE_KINDS = [
  'table.missing',
  'table.extra',
  'table.options',
  'table.partitioning',
  'partition.missing',
  'partition.extra',
  'partition.bound',
  'column.missing',
  'column.extra',
  'column.type',
  'column.nullable',
  'column.default',
  'column.collation',
  'comment.mismatch',
  'grant.missing',
  'grant.extra',
  'default-privilege.missing',
  'default-privilege.extra',
  'pk.mismatch',
  'fk.missing',
  'fk.extra',
  'fk.mismatch',
  'unique.missing',
  'unique.extra',
  'index.missing',
  'index.extra',
  'index.mismatch',
  'check.missing',
  'check.extra',
  'exclusion.missing',
  'exclusion.extra',
  'exclusion.definition',
  'domain.missing',
  'domain.extra',
  'domain.definition',
  'composite-type.missing',
  'composite-type.extra',
  'composite-type.definition',
  'enum.missing',
  'enum.extra',
  'enum.values',
  'view.missing',
  'view.extra',
  'view.definition',
  'trigger.missing',
  'trigger.extra',
  'trigger.definition',
  'trigger.enabled',
  'rls.mismatch',
  'policy.missing',
  'policy.extra',
  'policy.definition',
  'function.missing',
  'function.extra',
  'function.definition',
  'sequence.missing',
  'sequence.extra',
  'sequence.mismatch',
  'extension.missing',
  'extension.extra',
  'extension.version',
  'virtual-table.missing',
  'virtual-table.extra',
  'virtual-table.definition',
] as const;

export type ChangeKind = (typeof CHANGE_KINDS)[number];

export interface SchemaChange {
  kind: ChangeKind;
  /** Namespace of the object (PostgreSQL schema); omitted for the dialect default. */
  schema?: string;
  /**
   * Table the change belongs to; for enum, view, virtual-table, function and sequence
   * changes, that object's name; for a trigger, the table or view it is on.
   */
  table: string;
  column?: string;
  /**
   * Constraint, index, trigger, policy, enum, view, virtual-table or sequence name where
   * the change is about a named object; a function's signature (`name(integer, text)`).
   */
  name?: string;
  /** The expected object or value (model object for missing/mismatch kinds). */
  expected: unknown;
  /** The actual object or value. */
  actual: unknown;
  /** One line a human can act on. */
  message: string;
  /** SQL that would bring the actual side to the expected one. */
  fix?: string;
  /**
   * true when the fix deletes data (drops a table, a column or a virtual table holding
   * rows); its SQL then starts with a `-- WARNING: data loss` comment saying what goes.
   */
  destructive?: boolean;
}

export interface SchemaDiff {
  ok: boolean;
  changes: SchemaChange[];
}
