/**
 * The rows PostgreSQL's catalog queries return (see postgres-introspector.ts) and how each
 * becomes lockstep's model: columns and their types, constraints, indexes, triggers,
 * policies, routines, sequences, grants and default privileges.
 */
import type {
  CheckConstraint,
  Column,
  ColumnType,
  DefaultPrivilege,
  Deferrable,
  ForeignKey,
  Grant,
  Index,
  IndexKey,
  Policy,
  ReferentialAction,
  SchemaFunction,
  Sequence,
  Trigger,
  View,
} from '../../core/model.js';

export interface GrantRow {
  schema: string;
  name: string;
  kind: string;
  column_name: string | null;
  arguments: string | null;
  grantee: string;
  privilege: string;
  grantable: boolean;
}

const GRANT_OBJECT_TYPES: Record<string, Grant['objectType']> = { S: 'sequence', v: 'view', m: 'view', r: 'table', p: 'table', schema: 'schema', function: 'function', procedure: 'procedure', type: 'type' };

export function toGrant(row: GrantRow): Grant {
  return {
    schema: row.schema,
    name: row.name,
    objectType: GRANT_OBJECT_TYPES[row.kind] ?? 'table',
    ...(row.column_name !== null ? { column: row.column_name } : {}),
    ...(row.arguments !== null ? { arguments: row.arguments } : {}),
    grantee: row.grantee,
    privilege: row.privilege,
    grantable: row.grantable,
  };
}

export interface DefaultPrivilegeRow {
  role: string | null;
  schema: string | null;
  kind: string;
  grantee: string;
  privilege: string;
  grantable: boolean;
  revoked: boolean;
}

const DEFAULT_PRIVILEGE_OBJECTS: Record<string, DefaultPrivilege['objectType']> = { r: 'tables', S: 'sequences', f: 'functions', T: 'types', n: 'schemas' };

export function toDefaultPrivilege(row: DefaultPrivilegeRow): DefaultPrivilege {
  return {
    role: row.role,
    schema: row.schema,
    objectType: DEFAULT_PRIVILEGE_OBJECTS[row.kind] ?? 'tables',
    grantee: row.grantee,
    privilege: row.privilege,
    grantable: row.grantable,
    ...(row.revoked ? { revoked: true as const } : {}),
  };
}

export interface ColumnRow {
  schema: string;
  table: string;
  name: string;
  type: string;
  nullable: boolean;
  expr: string | null;
  identity: string;
  generated: string;
  collation: string | null;
  comment: string | null;
}

export interface ConstraintRow {
  schema: string;
  table: string;
  name: string;
  type: 'p' | 'u' | 'f' | 'c' | 'x';
  columns: string[];
  ref_schema: string | null;
  ref_table: string | null;
  ref_columns: string[];
  on_delete: string;
  on_update: string;
  definition: string;
  deferrable: Deferrable | null;
  nulls_not_distinct: boolean;
}

export interface IndexRow {
  schema: string;
  table: string;
  name: string;
  unique: boolean;
  method: string;
  where: string | null;
  keys: Array<{ column: string | null; expression: string | null; descending: boolean; nulls_first: boolean; opclass: string | null }> | null;
  include: string[];
  nulls_not_distinct: boolean;
  /** The access method has an order (btree): nulls first/last means something. */
  ordered: boolean;
}

export interface DomainRow {
  schema: string;
  name: string;
  type: string;
  default: string | null;
  not_null: boolean;
  checks: Array<{ name: string; definition: string }>;
}

export interface PolicyRow {
  schema: string;
  table: string;
  name: string;
  command: string;
  permissive: boolean;
  roles: string[];
  using: string | null;
  with_check: string | null;
}

export interface FunctionRow {
  schema: string;
  name: string;
  arguments: string;
  kind: string;
  returns: string | null;
  language: string;
  volatility: string;
  definer: boolean;
  definition: string;
}

export interface SequenceRow {
  schema: string;
  name: string;
  type: string;
  start: string;
  increment: string;
  min: string;
  max: string;
  cycle: boolean;
  owner_schema: string | null;
  owner_table: string | null;
  owner_column: string | null;
}

const TRIGGER_STATES: Record<string, NonNullable<Trigger['enabled']>> = { O: 'origin', A: 'always', R: 'replica', D: 'disabled' };

export function toTrigger(row: { name: string; definition: string; enabled: string }): Trigger {
  return { name: row.name, definition: row.definition, enabled: TRIGGER_STATES[row.enabled] ?? 'origin' };
}

const POLICY_COMMANDS: Record<string, Policy['command']> = { '*': 'all', r: 'select', a: 'insert', w: 'update', d: 'delete' };

export function toPolicy(row: PolicyRow): Policy {
  return {
    name: row.name,
    command: POLICY_COMMANDS[row.command] ?? 'all',
    permissive: row.permissive,
    roles: row.roles,
    using: row.using,
    withCheck: row.with_check,
  };
}

export function toFunction(row: FunctionRow): SchemaFunction {
  return {
    schema: row.schema,
    name: row.name,
    arguments: row.arguments,
    kind: row.kind === 'p' ? 'procedure' : row.kind === 'a' ? 'aggregate' : 'function',
    returns: row.returns,
    language: row.language,
    volatility: row.volatility === 'i' ? 'immutable' : row.volatility === 's' ? 'stable' : 'volatile',
    security: row.definer ? 'definer' : 'invoker',
    definition: row.definition,
  };
}

export function toSequence(row: SequenceRow): Sequence {
  return {
    schema: row.schema,
    name: row.name,
    type: row.type,
    start: row.start,
    increment: row.increment,
    min: row.min,
    max: row.max,
    cycle: row.cycle,
    ownedBy: row.owner_table !== null ? { schema: row.owner_schema!, table: row.owner_table, column: row.owner_column! } : null,
  };
}

export function toColumn(row: ColumnRow): Column {
  // 's' = stored; 'v' = virtual (PostgreSQL 18). The model carries the expression either way.
  const generated = row.generated === 's' || row.generated === 'v' ? row.expr : null;
  return {
    name: row.name,
    type: row.type,
    typeParts: parsePostgresType(row.type),
    nullable: row.nullable,
    default: generated === null ? row.expr : null,
    identity: row.identity === 'a' ? 'always' : row.identity === 'd' ? 'by default' : null,
    generated,
    ...(row.collation !== null ? { collation: row.collation } : {}),
    comment: row.comment,
  };
}

const ACTIONS: Record<string, ReferentialAction> = {
  a: 'no action',
  r: 'restrict',
  c: 'cascade',
  n: 'set null',
  d: 'set default',
};

export function toForeignKey(row: ConstraintRow): ForeignKey {
  return {
    name: row.name,
    columns: row.columns,
    referencedSchema: row.ref_schema ?? 'public',
    referencedTable: row.ref_table ?? '',
    referencedColumns: row.ref_columns,
    onDelete: ACTIONS[row.on_delete] ?? 'no action',
    onUpdate: ACTIONS[row.on_update] ?? 'no action',
    deferrable: row.deferrable,
  };
}

/** `CHECK (price > 0::numeric) NOT VALID` → `price > 0::numeric`. */
export function checkExpression(definition: string): string {
  let text = definition.trim().replace(/\s+NOT VALID$/i, '').replace(/\s+NO INHERIT$/i, '');
  const match = /^CHECK\s*\(([\s\S]*)\)$/i.exec(text);
  if (match) text = match[1]!.trim();
  return text;
}

export function toCheck(row: ConstraintRow): CheckConstraint {
  return { name: row.name, expression: checkExpression(row.definition) };
}

export function toIndex(row: IndexRow): Index {
  const keys: IndexKey[] = (row.keys ?? []).map((k) => {
    const key: IndexKey = { column: k.expression === null ? k.column : null, expression: k.expression, descending: k.descending };
    // Only a nulls order that is not the direction's default is kept (ASC NULLS LAST, DESC NULLS FIRST are defaults).
    if (row.ordered && k.nulls_first !== k.descending) key.nulls = k.nulls_first ? 'first' : 'last';
    if (k.opclass) key.opclass = k.opclass;
    return key;
  });
  return { name: row.name, unique: row.unique, keys, where: row.where, method: row.method, include: row.include, nullsNotDistinct: row.nulls_not_distinct };
}

export function toView(row: { schema: string; name: string; definition: string; materialized: boolean }): View {
  return { schema: row.schema, name: row.name, definition: normalizeViewDefinition(row.definition), materialized: row.materialized };
}

/** Collapses whitespace and drops the trailing `;` of `pg_get_viewdef` output. */
export function normalizeViewDefinition(definition: string): string {
  return definition.replace(/\s+/g, ' ').trim().replace(/\s*;$/, '');
}

const LENGTH_TYPES = new Set(['character varying', 'character', 'bit', 'bit varying']);

/**
 * Splits a `format_type` spelling into its parts.
 *
 * @example
 * parsePostgresType('timestamp(3) with time zone')
 * // → { base: 'timestamp with time zone', length: null, precision: 3, scale: null, arrayDimensions: 0 }
 */
export function parsePostgresType(type: string): ColumnType {
  let text = type.trim();
  let arrayDimensions = 0;
  while (text.endsWith('[]')) {
    arrayDimensions++;
    text = text.slice(0, -2).trimEnd();
  }
  const parts: ColumnType = { base: text, length: null, precision: null, scale: null, arrayDimensions };
  const match = text.includes('"') ? null : /^(.*?)\((\d+)(?:\s*,\s*(-?\d+))?\)(.*)$/.exec(text);
  if (match) {
    const base = `${match[1]!.trim()}${match[4]!}`.trim();
    parts.base = base;
    const first = Number(match[2]);
    if (LENGTH_TYPES.has(base)) parts.length = first;
    else {
      parts.precision = first;
      if (match[3] !== undefined) parts.scale = Number(match[3]);
    }
  }
  return parts;
}
