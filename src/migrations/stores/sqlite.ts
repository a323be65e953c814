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

/**
 * SQLite: the lock is the database's write lock, taken with `BEGIN IMMEDIATE` for each
 * migration and released by its commit. A run never holds it across migrations, so the
 * application's writes and its workers' heartbeats get through between two of them, and
 * a wait for it never blocks the event loop (the driver waits on timers, up to the lock
 * timeout). Because another run may apply a migration between two steps of this one, the
 * migrator re-checks the history inside every step: each migration is applied exactly
 * once, in version order, whichever run applies it.
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
      const writeLock = new WriteLock(conn, options);
      try {
        await writeLock.take();
        await commitOrRollBack(conn, async () => {
          await conn.exec(CREATE_HISTORY);
          await addMissingColumns(conn);
        });
        return await fn(createSession(conn, writeLock));
      } finally {
        await conn.exec(`pragma busy_timeout = ${previousTimeout}`).catch(() => undefined);
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

/**
 * `BEGIN IMMEDIATE`: the first time without waiting, to tell the caller once that another
 * writer holds the lock, then waiting up to the lock timeout (asynchronously: the SQLite
 * driver retries on timers, see sqlite-driver.ts).
 */
class WriteLock {
  private waited = false;
  private readonly timeoutMs: number;

  constructor(
    private readonly conn: Queryable,
    private readonly options: LockOptions,
  ) {
    this.timeoutMs = Math.max(1, Math.floor(options.timeoutMs ?? 600_000));
  }

  async take(): Promise<void> {
    if (!this.waited) {
      await this.conn.exec('pragma busy_timeout = 0');
      try {
        await this.conn.exec('begin immediate');
        return;
      } catch (error) {
        if (!/locked|busy/i.test(errorMessage(error))) throw error;
      } finally {
        await this.conn.exec(`pragma busy_timeout = ${this.timeoutMs}`);
      }
      this.waited = true;
      this.options.onWait?.();
    }
    try {
      await this.conn.exec('begin immediate');
    } catch (error) {
      if (!/locked|busy/i.test(errorMessage(error))) throw error;
      throw new LockstepError(`the database stayed locked by another writer for more than ${Math.round(this.timeoutMs / 1000)} s`, {
        cause: error,
        hint: 'Another migrate run (or a long write) holds the SQLite write lock; wait for it, then run the command again.',
      });
    }
  }
}

/** Runs `fn` in the transaction just begun on `conn`: commits when it resolves, rolls back when it throws. */
async function commitOrRollBack<T>(conn: Queryable, fn: () => Promise<T>): Promise<T> {
  try {
    const value = await fn();
    await conn.exec('commit');
    return value;
  } catch (error) {
    await conn.exec('rollback').catch(() => undefined);
    throw error;
  }
}

function createSession(conn: Queryable, writeLock: WriteLock): MigrationSession {
  return {
    conn,
    lockHeldThroughout: false,
    async transaction(fn, stepOptions = {}) {
      if (stepOptions.foreignKeysOff) return rebuildTransaction(conn, fn, writeLock);
      await writeLock.take();
      return commitOrRollBack(conn, () => fn(conn));
    },
    async outsideTransaction(fn) {
      return fn(conn);
    },
  };
}

/**
 * SQLite's documented table-rebuild procedure (https://sqlite.org/lang_altertable.html):
 * foreign keys off outside the transaction, so dropping the old table fires no cascade
 * and no implicit delete; `foreign_key_check` before commit, so the rebuild cannot leave
 * a dangling reference behind.
 */
async function rebuildTransaction<T>(conn: Queryable, fn: (conn: Queryable) => Promise<T>, writeLock: WriteLock): Promise<T> {
  const state = await conn.query<{ foreign_keys: number }>('pragma foreign_keys');
  const wasOn = Number(state.rows[0]?.foreign_keys ?? 0) === 1;
  await conn.exec('pragma foreign_keys = off');
  try {
    await writeLock.take();
    return await commitOrRollBack(conn, async () => {
      const value = await fn(conn);
      const dangling = await conn.query<{ table: string; parent: string; rowid: number }>('pragma foreign_key_check');
      if (dangling.rows.length > 0) {
        const first = dangling.rows[0];
        throw new LockstepError(
          `the table rebuild leaves ${dangling.rows.length} row(s) whose foreign key points nowhere (e.g. ${first.table} rowid ${first.rowid} → ${first.parent})`,
          { hint: 'Fix the data or the migration so every reference has its row, then run it again.' },
        );
      }
      return value;
    });
  } finally {
    if (wasOn) await conn.exec('pragma foreign_keys = on');
  }
}
