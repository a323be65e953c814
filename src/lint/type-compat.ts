import type { ColumnType } from '../core/model.js';

/**
 * Type comparisons lint and rehearse share: is a type change narrowing (can fail or lose
 * data), does it rewrite a PostgreSQL table, are two key columns compatible.
 * Works on the neutral `ColumnType` of either dialect; names are folded to one spelling.
 */

const ALIASES: Record<string, string> = {
  varchar: 'character varying',
  'char varying': 'character varying',
  nvarchar: 'character varying',
  'varying character': 'character varying',
  'native character': 'character',
  nchar: 'character',
  char: 'character',
  bpchar: 'character',
  int: 'integer',
  int4: 'integer',
  mediumint: 'integer',
  int2: 'smallint',
  tinyint: 'smallint',
  int8: 'bigint',
  float4: 'real',
  float8: 'double precision',
  double: 'double precision',
  float: 'double precision',
  decimal: 'numeric',
  bool: 'boolean',
  timestamptz: 'timestamp with time zone',
  timestamp: 'timestamp without time zone',
  timetz: 'time with time zone',
  time: 'time without time zone',
  clob: 'text',
  serial: 'integer',
  serial4: 'integer',
  bigserial: 'bigint',
  serial8: 'bigint',
  smallserial: 'smallint',
  serial2: 'smallint',
};

/** Folds a base type name to one spelling: `int4` → `integer`, `varchar` → `character varying`. */
export function canonicalBase(base: string): string {
  const name = base.toLowerCase().replace(/^pg_catalog\./, '').replace(/\s+/g, ' ').trim();
  return ALIASES[name] ?? name;
}

/** Integer-like types in order of range. */
const INTEGER_RANK: Record<string, number> = { smallint: 1, integer: 2, bigint: 3 };
const STRING_TYPES = new Set(['character varying', 'character', 'text']);

/** Inclusive range of the integer types, for rehearsal data checks. */
export const INTEGER_RANGES: Record<string, [bigint, bigint]> = {
  smallint: [-32768n, 32767n],
  integer: [-2147483648n, 2147483647n],
  bigint: [-9223372036854775808n, 9223372036854775807n],
};

export interface TypeLike {
  base: string;
  length: number | null;
  precision: number | null;
  scale: number | null;
  arrayDimensions?: number;
}

export function describeType(type: TypeLike): string {
  const base = canonicalBase(type.base);
  const args = type.length !== null ? `(${type.length})` : type.precision !== null ? `(${type.precision}${type.scale !== null ? `,${type.scale}` : ''})` : '';
  return `${base}${args}${'[]'.repeat(type.arrayDimensions ?? 0)}`;
}

/** Maximum characters a string type holds, or Infinity when unbounded (`text`, `varchar`). */
function stringCapacity(type: TypeLike): number {
  const base = canonicalBase(type.base);
  if (base === 'text') return Infinity;
  if (base === 'character') return type.length ?? 1;
  return type.length ?? Infinity;
}

/**
 * Why `to` cannot hold every value `from` holds, or null when it can (a widening or an
 * identical type). Unknown pairs count as narrowing: the conversion may fail.
 *
 * @example
 * narrowingReason(varchar(30), varchar(20)) // 'character varying(30) → character varying(20) can cut values longer than 20 characters'
 */
export function narrowingReason(from: TypeLike, to: TypeLike): string | null {
  const a = canonicalBase(from.base);
  const b = canonicalBase(to.base);
  const shown = `${describeType(from)} → ${describeType(to)}`;
  if ((from.arrayDimensions ?? 0) !== (to.arrayDimensions ?? 0)) return `${shown} changes array dimensions`;
  if (STRING_TYPES.has(a) && STRING_TYPES.has(b)) {
    const before = stringCapacity(from);
    const after = stringCapacity(to);
    return after < before ? `${shown} fails on values longer than ${after} characters` : null;
  }
  if (a in INTEGER_RANK && b in INTEGER_RANK) {
    return INTEGER_RANK[b] < INTEGER_RANK[a] ? `${shown} fails on values outside the ${b} range` : null;
  }
  if (a in INTEGER_RANK && b === 'numeric') {
    if (to.precision === null) return null;
    const digits = { smallint: 5, integer: 10, bigint: 19 }[a as 'smallint'];
    return to.precision - (to.scale ?? 0) >= digits ? null : `${shown} fails on values with more than ${to.precision - (to.scale ?? 0)} integer digits`;
  }
  if (a === 'numeric' && b === 'numeric') {
    if (to.precision === null) return null;
    if (from.precision === null) return `${shown} limits unbounded numbers to ${to.precision} digits`;
    const intA = from.precision - (from.scale ?? 0);
    const intB = to.precision - (to.scale ?? 0);
    if (intB < intA) return `${shown} fails on values with more than ${intB} integer digits`;
    if ((to.scale ?? 0) < (from.scale ?? 0)) return `${shown} rounds away decimal places`;
    return null;
  }
  if (a === 'real' && b === 'double precision') return null;
  if (a === b) {
    if (from.length !== to.length && to.length !== null && (from.length === null || to.length < from.length)) return `${shown} reduces the length`;
    if (from.precision !== to.precision && to.precision !== null && (from.precision === null || to.precision < from.precision)) return `${shown} reduces the precision`;
    return null;
  }
  if (a === 'timestamp without time zone' && b === 'timestamp with time zone') return null;
  if (b === 'text' || (b === 'character varying' && to.length === null)) return null;
  return `${shown} converts every value and fails or loses data on values the new type cannot represent`;
}

/**
 * Whether PostgreSQL rewrites the whole table (ACCESS EXCLUSIVE for the duration) for
 * `ALTER COLUMN TYPE` from `from` to `to`. Binary-coercible changes only touch the
 * catalog: varchar widening, varchar → text, numeric precision up at the same scale.
 */
export function typeChangeRewrites(from: TypeLike, to: TypeLike, hasUsing: boolean): boolean {
  if (hasUsing) return true;
  const a = canonicalBase(from.base);
  const b = canonicalBase(to.base);
  if ((from.arrayDimensions ?? 0) !== (to.arrayDimensions ?? 0)) return true;
  if ((a === 'character varying' || a === 'text') && (b === 'text' || (b === 'character varying' && to.length === null))) return false;
  if (a === 'character varying' && b === 'character varying') return to.length !== null && from.length !== null && to.length < from.length;
  if (a === 'numeric' && b === 'numeric') {
    if (to.precision === null) return false;
    if (from.precision === null) return true;
    return !((to.scale ?? 0) === (from.scale ?? 0) && to.precision >= from.precision);
  }
  if (a === b && from.length === to.length && from.precision === to.precision && from.scale === to.scale) return false;
  return true;
}

/** Whether a foreign key column of type `a` can reference a key column of type `b`. */
export function keyTypesCompatible(a: TypeLike, b: TypeLike): boolean {
  const x = canonicalBase(a.base);
  const y = canonicalBase(b.base);
  if (x === y) return true;
  // Integers of different widths still compare correctly; strings of any length too.
  if (x in INTEGER_RANK && y in INTEGER_RANK) return true;
  return STRING_TYPES.has(x) && STRING_TYPES.has(y);
}

export type { ColumnType };
