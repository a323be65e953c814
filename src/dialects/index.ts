import type { DialectName } from '../core/model.js';
import { parseConnectionUrl } from './connection-url.js';
import type { ConnectOptions, Database } from './database.js';
export { DatabaseNotFoundError } from './database.js';
import type { Dialect } from './dialect.js';
import { postgresDialect } from './postgres/postgres-dialect.js';
import { sqliteDialect } from './sqlite/sqlite-dialect.js';

const DIALECTS: Record<DialectName, Dialect> = {
  postgres: postgresDialect,
  sqlite: sqliteDialect,
};

export function getDialect(name: DialectName): Dialect {
  return DIALECTS[name];
}

/**
 * Opens a database from a URL.
 *
 * @example
 * const db = await connect('sqlite::memory:');
 * await db.query('select 1 as one');
 * await db.close();
 */
export async function connect(url: string, options?: ConnectOptions): Promise<Database> {
  const parsed = parseConnectionUrl(url);
  return getDialect(parsed.dialect).connect(parsed, options);
}
