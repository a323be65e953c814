import { LockstepError } from '../../core/errors.js';
import { compareVersions } from '../migration-folder.js';
import {
  ADDED_HISTORY_COLUMNS,
  HISTORY_SQL,
  HISTORY_TABLE,
  type LockOptions,
  type MigrationSession,
  type MigrationStore,
  toHistoryRow,
} from '../migration-store.js';
import type { Database, Queryable } from '../../dialects/database.js';

/** Key of the advisory lock every `migrate` run on a database takes ("lockstep" in ASCII). */
export const MIGRATION_LOCK_KEY = '7813863458298311792';

const CREATE_HISTORY = `create table if not exists "${HISTORY_TABLE}" (
  version text primary key,
  name text not null,
  checksum text not null,
  applied_at timestamptz not null default now(),
  duration_ms integer not null,
  applied_by text not null,
  down_checksum text,
  repaired_at timestamptz,
  repaired_by text
)`;

/**
 * PostgreSQL: the history table lives in the first schema of the search path (usually
 * `public`), and the lock is a session-level advisory lock held on one dedicated
 * connection for the whole run, so every migration of the run commits on that connection.
 */
export const postgresMigrationStore: MigrationStore = {
  async readHistory(db: Queryable) {
    const exists = await db.query<{ t: string | null }>('select to_regclass($1)::text as t', [`"${HISTORY_TABLE}"`]);
    if (!exists.rows[0]?.t) return [];
    const result = await db.query(HISTORY_SQL.select);
    return result.rows.map(toHistoryRow).sort((a, b) => compareVersions(a.version, b.version));
  },

  async withLock<T>(db: Database, fn: (session: MigrationSession) => Promise<T>, options: LockOptions = {}) {
    return db.withConnection(async (conn) => {
      await acquire(conn, options);
      try {
        // Created under the lock: concurrent `create table if not exists` can still fail
        // on PostgreSQL (a unique violation in pg_type), the lock serializes it.
        await conn.exec(CREATE_HISTORY);
        await addMissingColumns(conn);
        return await fn(createSession(conn));
      } finally {
        await conn.query('select pg_advisory_unlock($1::bigint)', [MIGRATION_LOCK_KEY]).catch(() => undefined);
      }
    });
  },
};

/**
 * Brings a history table created by an older lockstep up to date. Checked first rather
 * than `add column if not exists`, which takes an exclusive lock on the table even when
 * there is nothing to add.
 */
async function addMissingColumns(conn: Queryable): Promise<void> {
  const present = await conn.query<{ name: string }>(
    'select attname as name from pg_attribute where attrelid = to_regclass($1) and attnum > 0 and not attisdropped',
    [`"${HISTORY_TABLE}"`],
  );
  const names = new Set(present.rows.map((r) => r.name));
  const missing = ADDED_HISTORY_COLUMNS.filter((c) => !names.has(c.name));
  if (missing.length === 0) return;
  await conn.exec(`alter table "${HISTORY_TABLE}" ${missing.map((c) => `add column if not exists "${c.name}" ${c.postgres}`).join(', ')}`);
}

async function acquire(conn: Queryable, options: LockOptions): Promise<void> {
  const tried = await conn.query<{ locked: boolean }>('select pg_try_advisory_lock($1::bigint) as locked', [MIGRATION_LOCK_KEY]);
  if (tried.rows[0]?.locked) return;
  options.onWait?.();
  const timeoutMs = options.timeoutMs ?? 600_000;
  await conn.exec(`set lock_timeout = ${Math.max(1, Math.floor(timeoutMs))}`);
  try {
    await conn.query('select pg_advisory_lock($1::bigint)', [MIGRATION_LOCK_KEY]);
  } catch (error) {
    throw new LockstepError(`another lockstep migrate run held the migration lock for more than ${Math.round(timeoutMs / 1000)} s`, {
      cause: error,
      hint: 'Wait for it to finish (see pg_locks for locktype = advisory), then run the command again.',
    });
  } finally {
    await conn.exec('reset lock_timeout');
  }
}

function createSession(conn: Queryable): MigrationSession {
  return {
    conn,
    lockHeldThroughout: true,
    async transaction(fn) {
      await conn.exec('begin');
      try {
        const value = await fn(conn);
        await conn.exec('commit');
        return value;
      } catch (error) {
        await conn.exec('rollback').catch(() => undefined);
        throw error;
      }
    },
    async outsideTransaction(fn) {
      return fn(conn);
    },
  };
}
