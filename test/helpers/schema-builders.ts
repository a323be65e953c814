/**
 * Hand-built schema models for pure tests of the diff engine (no database).
 *
 * @example
 * const s = schema([table('jobs', [column('id', 'integer', { nullable: false })], { primaryKey: pk('id') })]);
 */
import type { CheckConstraint, Column, DialectName, EnumType, ForeignKey, Index, PrimaryKey, Schema, Table, UniqueConstraint, View } from '../../src/core/model.js';

export function schema(tables: Table[], extra: { enums?: EnumType[]; views?: View[]; dialect?: DialectName } = {}): Schema {
  return { dialect: extra.dialect ?? 'postgres', tables, enums: extra.enums ?? [], views: extra.views ?? [] };
}

export function table(name: string, columns: Column[], parts: Partial<Omit<Table, 'name' | 'columns'>> = {}): Table {
  return {
    schema: parts.schema ?? 'public',
    name,
    columns,
    primaryKey: parts.primaryKey ?? null,
    uniques: parts.uniques ?? [],
    foreignKeys: parts.foreignKeys ?? [],
    indexes: parts.indexes ?? [],
    checks: parts.checks ?? [],
    triggers: parts.triggers ?? [],
    ...(parts.options !== undefined ? { options: parts.options } : {}),
    ...(parts.rowSecurity !== undefined ? { rowSecurity: parts.rowSecurity } : {}),
    ...(parts.policies !== undefined ? { policies: parts.policies } : {}),
  };
}

export function column(name: string, type: string, parts: Partial<Omit<Column, 'name' | 'type'>> = {}): Column {
  const match = /^([a-z ]+?)(?:\((\d+)(?:,(\d+))?\))?$/.exec(type);
  return {
    name,
    type,
    typeParts: parts.typeParts ?? { base: match?.[1] ?? type, length: null, precision: null, scale: null, arrayDimensions: 0 },
    nullable: parts.nullable ?? true,
    default: parts.default ?? null,
    identity: parts.identity ?? null,
    generated: parts.generated ?? null,
    ...(parts.collation !== undefined ? { collation: parts.collation } : {}),
    ...(parts.autoincrement !== undefined ? { autoincrement: parts.autoincrement } : {}),
  };
}

export function pk(columns: string | string[], name: string | null = null): PrimaryKey {
  return { name, columns: Array.isArray(columns) ? columns : [columns] };
}

export function fk(columns: string | string[], referencedTable: string, referencedColumns: string | string[], parts: Partial<ForeignKey> = {}): ForeignKey {
  return {
    name: parts.name ?? null,
    columns: Array.isArray(columns) ? columns : [columns],
    referencedSchema: parts.referencedSchema ?? 'public',
    referencedTable,
    referencedColumns: Array.isArray(referencedColumns) ? referencedColumns : [referencedColumns],
    onDelete: parts.onDelete ?? 'no action',
    onUpdate: parts.onUpdate ?? 'no action',
  };
}

export function unique(columns: string | string[], name: string | null = null): UniqueConstraint {
  return { name, columns: Array.isArray(columns) ? columns : [columns] };
}

export function index(name: string, columns: string[], parts: Partial<Index> = {}): Index {
  return {
    name,
    unique: parts.unique ?? false,
    keys: parts.keys ?? columns.map((c) => ({ column: c, expression: null, descending: false })),
    where: parts.where ?? null,
    method: parts.method ?? 'btree',
  };
}

export function check(expression: string, name: string | null = null): CheckConstraint {
  return { name, expression };
}

export function enumType(name: string, values: string[], namespace = 'public'): EnumType {
  return { schema: namespace, name, values };
}

export function view(name: string, definition: string, materialized = false, namespace = 'public'): View {
  return { schema: namespace, name, definition, materialized };
}

/** A deep copy to perturb. */
export function clone<T>(value: T): T {
  return structuredClone(value);
}
