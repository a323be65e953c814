/**
 * Short human-readable spellings of model objects, for change messages
 * (`uuid not null default gen_random_uuid()`, `(organization_id) references organizations(id)`).
 * Not SQL to run: the dialects write the fixes.
 */
import type { CheckConstraint, Column, Deferrable, ForeignKey, Index, PrimaryKey, UniqueConstraint } from './model.js';

/** ` deferrable initially deferred`, or nothing for a constraint that is not deferrable. */
export function describeDeferrable(deferrable: Deferrable | null | undefined): string {
  return deferrable ? ` deferrable initially ${deferrable}` : '';
}

export function describeColumn(column: Column): string {
  const parts = [column.type, column.nullable ? 'null' : 'not null'];
  if (column.identity) parts.push(`generated ${column.identity} as identity`);
  if (column.generated) parts.push(`generated always as (${column.generated})`);
  if (column.default !== null) parts.push(`default ${column.default}`);
  return parts.join(' ');
}

export function describeColumns(columns: string[]): string {
  return `(${columns.join(', ')})`;
}

export function describePrimaryKey(pk: PrimaryKey | null): string {
  return pk ? `primary key ${describeColumns(pk.columns)}${describeDeferrable(pk.deferrable)}` : 'no primary key';
}

export function describeForeignKey(fk: ForeignKey, defaultSchema: string): string {
  const target = fk.referencedSchema === defaultSchema || fk.referencedSchema === 'main' || fk.referencedSchema === 'public'
    ? fk.referencedTable
    : `${fk.referencedSchema}.${fk.referencedTable}`;
  let text = `${describeColumns(fk.columns)} references ${target}${fk.referencedColumns.length ? describeColumns(fk.referencedColumns) : ''}`;
  if (fk.onDelete !== 'no action') text += ` on delete ${fk.onDelete}`;
  if (fk.onUpdate !== 'no action') text += ` on update ${fk.onUpdate}`;
  return text + describeDeferrable(fk.deferrable);
}

export function describeUnique(unique: UniqueConstraint): string {
  return `unique${unique.nullsNotDistinct ? ' nulls not distinct' : ''} ${describeColumns(unique.columns)}${describeDeferrable(unique.deferrable)}`;
}

export function describeIndex(index: Index): string {
  const keys = index.keys.map((k) => `${k.column ?? `(${k.expression})`}${k.opclass ? ` ${k.opclass}` : ''}${k.descending ? ' desc' : ''}${k.nulls ? ` nulls ${k.nulls}` : ''}`);
  let text = `${index.unique ? 'unique ' : ''}index ${index.name}`;
  if (index.method !== 'btree') text += ` using ${index.method}`;
  text += ` (${keys.join(', ')})`;
  if (index.include?.length) text += ` include ${describeColumns(index.include)}`;
  if (index.nullsNotDistinct) text += ' nulls not distinct';
  if (index.where) text += ` where ${index.where}`;
  return text;
}

export function describeCheck(check: CheckConstraint): string {
  return `check (${check.expression.replace(/^\((.*)\)$/s, '$1')})`;
}

/** `a` or `a, b and c`. */
export function listWords(words: string[]): string {
  return words.length <= 1 ? (words[0] ?? '') : `${words.slice(0, -1).join(', ')} and ${words[words.length - 1]}`;
}
