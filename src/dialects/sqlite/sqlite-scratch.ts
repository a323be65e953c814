import type { ScratchDatabase } from '../dialect.js';
import { openSqlite } from './sqlite-driver.js';

/**
 * A throwaway in-memory database to materialize an expected schema in; `dispose` closes
 * it and the memory is gone.
 *
 * @example
 * const scratch = await createSqliteScratch();
 * try { await scratch.db.exec(schemaSql); } finally { await scratch.dispose(); }
 */
export async function createSqliteScratch(): Promise<ScratchDatabase> {
  const db = await openSqlite({ dialect: 'sqlite', url: 'sqlite::memory:', display: 'sqlite::memory:', filename: ':memory:' });
  return { db, dispose: () => db.close() };
}
