import { LockstepError } from '../../core/errors.js';
import { compareVersions } from '../migration-folder.js';
import {
  ADDED_HISTORY_COLUMNS,
  currentLockHolder,
  describeLockHolder,
  HISTORY_SQL,
  HISTORY_TABLE,
  type LockOptions,
  type MigrationLockHolder,
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
      // The holder's application_name says who it is and since when, for `migrate status`
      // and for runs that wait (pg_stat_activity is all another session can see of it).
      await conn.query("select set_config('application_name', $1, false)", [holderApplicationName()]).catch(() => undefined);
      try {
        // Created under the lock: concurrent `create table if not exists` can still fail
        // on PostgreSQL (a unique violation in pg_type), the lock serializes it.
        await conn.exec(CREATE_HISTORY);
        await addMissingColumns(conn);
        return await fn(createSession(conn));
      } finally {
        await conn.query('select pg_advisory_unlock($1::bigint)', [MIGRATION_LOCK_KEY]).catch(() => undefined);
        await conn.exec('reset application_name').catch(() => undefined);
      }
    });
  },

  async readLock(db: Queryable) {
    // A bigint advisory key shows in pg_locks as classid = high 32 bits, objid = low 32 bits, objsubid = 1.
    const key = BigInt(MIGRATION_LOCK_KEY);
    const result = await db.query<{ backend_pid: number; application_name: string | null; client_addr: string | null; backend_start: Date | string | null }>(
      `select a.pid as backend_pid, a.application_name, a.client_addr::text as client_addr, a.backend_start
         from pg_locks l join pg_stat_activity a on a.pid = l.pid
        where l.locktype = 'advisory' and l.granted and l.classid = $1::bigint::oid and l.objid = $2::bigint::oid and l.objsubid = 1
          and l.database = (select oid from pg_database where datname = current_database())
        limit 1`,
      [String(key >> 32n), String(key & 0xffffffffn)],
    );
    const row = result.rows[0];
    if (!row) return null;
    const own = APPLICATION_NAME.exec(row.application_name ?? '');
    const started = row.backend_start instanceof Date ? row.backend_start.toISOString() : row.backend_start;
    return own
      ? { host: own[2], pid: Number(own[1]), since: new Date(Number(own[3]) * 1000).toISOString(), command: 'lockstep migrate', backendPid: Number(row.backend_pid) }
      : { host: row.client_addr, pid: null, since: started, command: row.application_name ? `"${row.application_name}"` : null, backendPid: Number(row.backend_pid) };
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

/** `lockstep migrate <pid>@<host> <epoch seconds>`, cut to PostgreSQL's 63 characters. */
const APPLICATION_NAME = /^lockstep migrate (\d+)@(\S*) (\d+)$/;

function holderApplicationName(): string {
  const me = currentLockHolder();
  const since = String(Math.floor(Date.parse(me.since!) / 1000));
  const fixed = `lockstep migrate ${me.pid}@ ${since}`.length;
  return `lockstep migrate ${me.pid}@${(me.host ?? '').replace(/\s/g, '').slice(0, Math.max(0, 63 - fixed))} ${since}`;
}

async function acquire(conn: Queryable, options: LockOptions): Promise<void> {
  const tried = await conn.query<{ locked: boolean }>('select pg_try_advisory_lock($1::bigint) as locked', [MIGRATION_LOCK_KEY]);
  if (tried.rows[0]?.locked) return;
  const holder: MigrationLockHolder | null = await postgresMigrationStore.readLock(conn).catch(() => null);
  options.onWait?.(holder);
  const timeoutMs = options.timeoutMs ?? 600_000;
  await conn.exec(`set lock_timeout = ${Math.max(1, Math.floor(timeoutMs))}`);
  try {
    await conn.query('select pg_advisory_lock($1::bigint)', [MIGRATION_LOCK_KEY]);
  } catch (error) {
    const still = (await postgresMigrationStore.readLock(conn).catch(() => null)) ?? holder;
    throw new LockstepError(`gave up waiting for the migration lock after ${formatWait(timeoutMs)}: it is held by ${still ? describeLockHolder(still) : 'another session'}`, {
      cause: error,
      hint: 'Let that run finish (lockstep migrate status shows the holder), or stop it if it is stuck; then run the command again. --lock-timeout sets how long to wait.',
    });
  } finally {
    await conn.exec('reset lock_timeout');
  }
}

function formatWait(ms: number): string {
  return ms < 1000 ? `${ms} ms` : `${Math.round(ms / 100) / 10} s`;
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
