import { errorMessage, LockstepError } from '../../core/errors.js';
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

const CREATE_HISTORY = `create table if not exists "${HISTORY_TABLE}" (
  version text primary key,
  name text not null,
  checksum text not null,
  applied_at text not null,
  duration_ms integer not null,
  applied_by text not null,
  down_checksum text,
  repaired_at text,
  repaired_by text
)`;

const SAVEPOINT = 'lockstep_migration';

/**
 * SQLite: the lock is the database's write lock. A run holds one `BEGIN IMMEDIATE`
 * transaction (other writers wait on the busy timeout) and each migration is a savepoint
 * inside it, so a failing one is undone alone. Steps that must run outside a transaction
 * (no-transaction migrations, table rebuilds that turn foreign keys off) commit, run, and
 * take the lock again; the migrator re-checks the history inside every step, so nothing
 * is applied twice even then.
 */
export const sqliteMigrationStore: MigrationStore = {
  async readHistory(db: Queryable) {
    const exists = await db.query("select 1 as found from sqlite_master where type = 'table' and name = $1", [HISTORY_TABLE]);
    if (exists.rows.length === 0) return [];
    const result = await db.query(HISTORY_SQL.select);
    return result.rows.map(toHistoryRow).sort((a, b) => compareVersions(a.version, b.version));
  },

  async withLock<T>(db: Database, fn: (session: MigrationSession) => Promise<T>, options: LockOptions = {}) {
    return db.withConnection(async (conn) => {
      const before = await conn.query<{ timeout: number }>('pragma busy_timeout');
      const previousTimeout = Number(before.rows[0]?.timeout ?? 5000);
      const timeoutMs = options.timeoutMs ?? 600_000;
      await lock(conn, options, timeoutMs);
      let ok = false;
      try {
        await conn.exec(CREATE_HISTORY);
        await addMissingColumns(conn);
        const value = await fn(createSession(conn, options, timeoutMs));
        ok = true;
        return value;
      } finally {
        // Savepoints were already released or rolled back step by step: what is left in the
        // transaction is exactly the migrations reported as applied, so commit it either way.
        try {
          await conn.exec('commit');
        } catch (error) {
          await conn.exec('rollback').catch(() => undefined);
          if (ok) throw error;
        } finally {
          await conn.exec(`pragma busy_timeout = ${previousTimeout}`).catch(() => undefined);
        }
      }
    });
  },
};

/** Brings a history table created by an older lockstep up to date (SQLite has no `add column if not exists`). */
async function addMissingColumns(conn: Queryable): Promise<void> {
  const present = await conn.query<{ name: string }>(`select name from pragma_table_info('${HISTORY_TABLE}')`);
  const names = new Set(present.rows.map((r) => r.name));
  for (const column of ADDED_HISTORY_COLUMNS) {
    if (!names.has(column.name)) await conn.exec(`alter table "${HISTORY_TABLE}" add column "${column.name}" ${column.sqlite}`);
  }
}

/** `BEGIN IMMEDIATE`, first without waiting (to report a wait), then on the busy timeout. */
async function lock(conn: Queryable, options: LockOptions, timeoutMs: number): Promise<void> {
  await conn.exec('pragma busy_timeout = 0');
  try {
    await conn.exec('begin immediate');
    return;
  } catch (error) {
    if (!/locked|busy/i.test(errorMessage(error))) throw error;
  } finally {
    await conn.exec(`pragma busy_timeout = ${Math.max(1, Math.floor(timeoutMs))}`);
  }
  options.onWait?.();
  try {
    await conn.exec('begin immediate');
  } catch (error) {
    throw new LockstepError(`the database stayed locked by another writer for more than ${Math.round(timeoutMs / 1000)} s`, {
      cause: error,
      hint: 'Another migrate run (or a long write) holds the SQLite write lock; wait for it, then run the command again.',
    });
  }
}

function createSession(conn: Queryable, options: LockOptions, timeoutMs: number): MigrationSession {
  // The write lock is released only around steps that cannot run inside it; take it back after.
  const relock = () => lock(conn, options, timeoutMs);
  return {
    conn,
    lockHeldThroughout: false,
    async transaction(fn, stepOptions = {}) {
      if (stepOptions.foreignKeysOff) return rebuildTransaction(conn, fn, relock);
      await conn.exec(`savepoint ${SAVEPOINT}`);
      try {
        const value = await fn(conn);
        await conn.exec(`release ${SAVEPOINT}`);
        return value;
      } catch (error) {
        await conn.exec(`rollback to ${SAVEPOINT}`).catch(() => undefined);
        await conn.exec(`release ${SAVEPOINT}`).catch(() => undefined);
        throw error;
      }
    },
    async outsideTransaction(fn) {
      await conn.exec('commit');
      try {
        return await fn(conn);
      } finally {
        await relock();
      }
    },
  };
}

/**
 * SQLite's documented table-rebuild procedure (https://sqlite.org/lang_altertable.html):
 * foreign keys off outside the transaction, so dropping the old table fires no cascade
 * and no implicit delete; `foreign_key_check` before commit, so the rebuild cannot leave
 * a dangling reference behind.
 */
async function rebuildTransaction<T>(conn: Queryable, fn: (conn: Queryable) => Promise<T>, relock: () => Promise<void>): Promise<T> {
  await conn.exec('commit');
  const state = await conn.query<{ foreign_keys: number }>('pragma foreign_keys');
  const wasOn = Number(state.rows[0]?.foreign_keys ?? 0) === 1;
  await conn.exec('pragma foreign_keys = off');
  try {
    await relock();
    try {
      const value = await fn(conn);
      const dangling = await conn.query<{ table: string; parent: string; rowid: number }>('pragma foreign_key_check');
      if (dangling.rows.length > 0) {
        const first = dangling.rows[0];
        throw new LockstepError(
          `the table rebuild leaves ${dangling.rows.length} row(s) whose foreign key points nowhere (e.g. ${first.table} rowid ${first.rowid} → ${first.parent})`,
          { hint: 'Fix the data or the migration so every reference has its row, then run it again.' },
        );
      }
      await conn.exec('commit');
      return value;
    } catch (error) {
      await conn.exec('rollback').catch(() => undefined);
      throw error;
    }
  } finally {
    if (wasOn) await conn.exec('pragma foreign_keys = on');
    await relock();
  }
}
