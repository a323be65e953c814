import type { Queryable } from './database.js';

/**
 * A caller's handle with a `query(sql, params)` method returning `{ rows, rowCount? }` (a
 * `pg` Client/PoolClient, or lockstep's own Queryable) as a Queryable; undefined otherwise.
 */
export function adoptQueryMethod(handle: unknown): Queryable | undefined {
  if (typeof handle !== 'object' || handle === null || typeof (handle as { query?: unknown }).query !== 'function') return undefined;
  const client = handle as { query(sql: string, params?: unknown[]): Promise<{ rows: any[]; rowCount?: number | null }> };
  return {
    query: async (sql, params) => {
      const r = await client.query(sql, params as unknown[]);
      return { rows: r.rows, rowCount: r.rowCount ?? r.rows.length };
    },
    exec: async (sql) => {
      await client.query(sql);
    },
  };
}
