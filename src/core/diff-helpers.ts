/**
 * Small helpers the diff engine's files share (`diff-schemas.ts`, `diff-routines.ts`):
 * how a change is built and how objects are keyed and named in messages.
 */
import type { ChangeKind, SchemaChange } from './schema-change.js';

export function change(
  kind: ChangeKind,
  owner: { schema: string; name: string },
  fields: Omit<SchemaChange, 'kind' | 'table' | 'schema'>,
): SchemaChange {
  const out: SchemaChange = { kind, table: owner.name } as SchemaChange;
  if (!isDefaultSchema(owner.schema)) out.schema = owner.schema;
  if (fields.column !== undefined) out.column = fields.column;
  if (fields.name !== undefined) out.name = fields.name;
  out.expected = fields.expected;
  out.actual = fields.actual;
  out.message = fields.message;
  return out;
}

export function isDefaultSchema(schema: string): boolean {
  return schema === 'public' || schema === 'main';
}

/** `name` in the default schema, `schema.name` elsewhere. */
export function qualified(object: { schema: string; name: string }): string {
  return isDefaultSchema(object.schema) ? object.name : `${object.schema}.${object.name}`;
}

export function objectKey(object: { schema: string; name: string }): string {
  return `${object.schema}\u0000${object.name}`;
}

export function byKey<T>(items: T[], key: (item: T) => string): Map<string, T> {
  return new Map(items.map((item) => [key(item), item]));
}
