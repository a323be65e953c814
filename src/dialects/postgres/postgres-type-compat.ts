import type { Column } from '../../core/model.js';
import { normalizeType } from '../../core/normalize-sql.js';

const INTEGER_FAMILY = new Set(['smallint', 'integer', 'bigint']);
const STRING_FAMILY = new Set(['text', 'character varying', 'character']);

/**
 * Whether a foreign key column `from` may reference key column `to` on PostgreSQL: the
 * same base type once lengths, precision and scale are dropped (`varchar(20)` →
 * `varchar(100)` is fine), except that the integer family (`smallint`, `integer`,
 * `bigint`) is compatible within itself and the string family (`text`,
 * `character varying`, `character`) within itself, because PostgreSQL compares those
 * without a cast and uses the index. `uuid` → `character varying` is never compatible.
 * (The rule is documented in docs/check.md.)
 *
 * @example
 * postgresTypesCompatible({ type: 'bigint' } as Column, { type: 'integer' } as Column) // true
 */
export function postgresTypesCompatible(from: Column, to: Column): boolean {
  const a = baseType(from.type);
  const b = baseType(to.type);
  if (a === b) return true;
  return (INTEGER_FAMILY.has(a) && INTEGER_FAMILY.has(b)) || (STRING_FAMILY.has(a) && STRING_FAMILY.has(b));
}

function baseType(type: string): string {
  return normalizeType(type).replace(/\([^)]*\)/g, '');
}
