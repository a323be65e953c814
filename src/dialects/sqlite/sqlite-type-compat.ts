import type { Column } from '../../core/model.js';

/**
 * Whether a foreign key column `from` may reference key column `to` on SQLite: their
 * declared types have the same column affinity, the only thing SQLite itself compares.
 * (The rule is documented in docs/check.md.)
 *
 * @example
 * sqliteTypesCompatible({ type: 'varchar(20)' } as Column, { type: 'text' } as Column) // true
 */
export function sqliteTypesCompatible(from: Column, to: Column): boolean {
  return sqliteAffinity(from.type) === sqliteAffinity(to.type);
}

/** SQLite's column affinity rules (https://www.sqlite.org/datatype3.html §3.1). */
export function sqliteAffinity(declared: string): 'integer' | 'text' | 'blob' | 'real' | 'numeric' {
  const type = declared.toUpperCase();
  if (type.includes('INT')) return 'integer';
  if (type.includes('CHAR') || type.includes('CLOB') || type.includes('TEXT')) return 'text';
  if (type.includes('BLOB') || type.trim() === '') return 'blob';
  if (type.includes('REAL') || type.includes('FLOA') || type.includes('DOUB')) return 'real';
  return 'numeric';
}
