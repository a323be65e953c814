/**
 * Prisma scalar and native types, and `@default` values, in the neutral model's canonical
 * spellings (PostgreSQL: what `format_type` / `pg_get_expr` print; SQLite: the declared
 * text lower-cased with aliases folded), following the SQL Prisma's schema engine writes.
 * docs/models.md lists every rule.
 */
import type { DialectName } from '../../core/model.js';
import type { DmmfDefault, DmmfField } from './prisma-dmmf.js';

/** `Int` → `integer` (PostgreSQL) when there is no `@db.*` attribute. */
const POSTGRES_SCALARS: Record<string, string> = {
  String: 'text',
  Boolean: 'boolean',
  Int: 'integer',
  BigInt: 'bigint',
  Float: 'double precision',
  Decimal: 'numeric(65,30)',
  DateTime: 'timestamp(3) without time zone',
  Json: 'jsonb',
  Bytes: 'bytea',
};

const SQLITE_SCALARS: Record<string, string> = {
  String: 'text',
  Boolean: 'boolean',
  Int: 'integer',
  BigInt: 'bigint',
  Float: 'real',
  Decimal: 'numeric',
  DateTime: 'datetime',
  Json: 'jsonb',
  Bytes: 'blob',
};

/** `@db.X(args)` on PostgreSQL → `format_type` spelling; `$` is replaced by the arguments. */
const POSTGRES_NATIVE: Record<string, (args: string[]) => string> = {
  Text: () => 'text',
  VarChar: (a) => (a.length ? `character varying(${a[0]})` : 'character varying'),
  Char: (a) => `character(${a[0] ?? 1})`,
  Uuid: () => 'uuid',
  Xml: () => 'xml',
  Inet: () => 'inet',
  Citext: () => 'citext',
  Bit: (a) => `bit(${a[0] ?? 1})`,
  VarBit: (a) => (a.length ? `bit varying(${a[0]})` : 'bit varying'),
  Boolean: () => 'boolean',
  Integer: () => 'integer',
  SmallInt: () => 'smallint',
  BigInt: () => 'bigint',
  Oid: () => 'oid',
  DoublePrecision: () => 'double precision',
  Real: () => 'real',
  Decimal: (a) => (a.length ? `numeric(${a.join(',')})` : 'numeric'),
  Money: () => 'money',
  Timestamp: (a) => (a.length ? `timestamp(${a[0]}) without time zone` : 'timestamp without time zone'),
  Timestamptz: (a) => (a.length ? `timestamp(${a[0]}) with time zone` : 'timestamp with time zone'),
  Date: () => 'date',
  Time: (a) => (a.length ? `time(${a[0]}) without time zone` : 'time without time zone'),
  Timetz: (a) => (a.length ? `time(${a[0]}) with time zone` : 'time with time zone'),
  Json: () => 'json',
  JsonB: () => 'jsonb',
  ByteA: () => 'bytea',
};

/** The column type of a scalar or enum field, or undefined for a native type lockstep does not know. */
export function prismaColumnType(field: DmmfField, dialect: DialectName, enumType: (name: string) => string): string | undefined {
  let base: string | undefined;
  if (field.kind === 'enum') base = dialect === 'postgres' ? enumType(field.type) : 'text';
  else if (dialect === 'postgres' && field.nativeType) base = POSTGRES_NATIVE[field.nativeType[0]]?.(field.nativeType[1]);
  else base = (dialect === 'postgres' ? POSTGRES_SCALARS : SQLITE_SCALARS)[field.type];
  if (base === undefined) return undefined;
  return field.isList ? `${base}[]` : base;
}

/** A PostgreSQL identifier as `quote_ident` prints it. */
export function quoteIdentIfNeeded(name: string): string {
  return /^[a-z_][a-z0-9_$]*$/.test(name) ? name : `"${name.replace(/"/g, '""')}"`;
}

/** What a `@default(...)` becomes in the database. */
export interface PrismaDefault {
  /** Canonical default expression, or null when the database has none. */
  default: string | null;
  /** PostgreSQL serial: the default is the column's sequence. */
  serial?: boolean;
  /** SQLite `INTEGER PRIMARY KEY AUTOINCREMENT`. */
  autoincrement?: boolean;
  /** Set by Prisma Client, invisible to the database (`uuid()`, `cuid()`, `@updatedAt`, …). */
  clientSide?: string;
}

const CLIENT_FUNCTIONS = new Set(['uuid', 'cuid', 'nanoid', 'ulid']);

/**
 * @example
 * prismaDefault({ name: 'now', args: [] }, field, 'postgres', 'timestamp(3) without time zone') // → { default: 'CURRENT_TIMESTAMP' }
 */
export function prismaDefault(value: DmmfDefault | undefined, field: DmmfField, dialect: DialectName, type: string): PrismaDefault {
  if (value === undefined) return { default: null };
  if (typeof value === 'object' && !Array.isArray(value) && value !== null) {
    const fn = value.name;
    if (fn === 'autoincrement') return dialect === 'postgres' ? { default: null, serial: true } : { default: null, autoincrement: true };
    if (fn === 'now') return { default: dialect === 'postgres' ? 'CURRENT_TIMESTAMP' : 'current_timestamp' };
    if (fn === 'dbgenerated') {
      const expression = typeof value.args[0] === 'string' ? value.args[0] : null;
      return { default: expression };
    }
    if (fn === 'sequence') return { default: null, serial: true };
    if (CLIENT_FUNCTIONS.has(fn)) return { default: null, clientSide: `${fn}()` };
    return { default: null, clientSide: `${fn}()` };
  }
  if (Array.isArray(value)) {
    if (dialect !== 'postgres') return { default: null };
    return { default: `ARRAY[${value.map((v) => literal(v, field, dialect, type.replace(/\[\]$/, ''))).join(', ')}]` };
  }
  return { default: literal(value, field, dialect, type) };
}

function literal(value: unknown, field: DmmfField, dialect: DialectName, type: string): string {
  if (typeof value === 'boolean') return String(value);
  if (typeof value === 'number') return dialect === 'postgres' && value < 0 && /^(integer|bigint|smallint)$/.test(type) ? `'${value}'::${type}` : String(value);
  const text = String(value);
  if (field.kind === 'enum') return dialect === 'postgres' ? `'${escape(text)}'::${type}` : `'${escape(text)}'`;
  if (field.type === 'Int' || field.type === 'BigInt' || field.type === 'Float' || field.type === 'Decimal') return text;
  if (field.type === 'Boolean') return text;
  if (field.type === 'DateTime') {
    const date = new Date(text);
    if (dialect === 'postgres' && !Number.isNaN(date.getTime()) && !type.includes('with time zone')) {
      return `'${date.toISOString().replace('T', ' ').replace('Z', '').replace(/\.000$/, '')}'::${type.replace(/\(\d+\)/, '')}`;
    }
    return `'${escape(text)}'`;
  }
  if (dialect === 'postgres') {
    const cast = type.startsWith('character varying') ? 'character varying' : type.startsWith('character(') ? 'bpchar' : type;
    return `'${escape(text)}'::${cast}`;
  }
  return `'${escape(text)}'`;
}

function escape(text: string): string {
  return text.replace(/'/g, "''");
}
