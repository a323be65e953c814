import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { existsSync, mkdirSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { errorMessage, LockstepError } from '../../core/errors.js';
import { adoptQueryMethod } from '../adopt-transaction.js';
import type { ConnectionUrl } from '../connection-url.js';
import { type ConnectOptions, type Database, DatabaseNotFoundError, type ListenOptions, type Queryable, type QueryResult, type TransactionOptions } from '../database.js';
import { splitSqliteStatements } from './sqlite-statements.js';

/**
 * Notifications between the connections of one process to the same file (SQLite has no
 * LISTEN): keyed by the database's identity and the channel.
 */
const notifications = new EventEmitter();
notifications.setMaxListeners(0);

type Connection = BetterSqlite3.Database;
type Statement = BetterSqlite3.Statement<unknown[], unknown>;

const STATEMENT_CACHE_SIZE = 100;

/**
 * Opens a SQLite database (a file, or `:memory:`) behind the `Database` seam: WAL journal, foreign keys on, and a busy timeout so
 * processes sharing the file queue for the write lock instead of failing at once.
 *
 * better-sqlite3 is synchronous and one connection cannot nest transactions, so
 * `transaction` and `withConnection` take turns through an async mutex; code running
 * inside one of them (same async context) goes straight through, and a nested
 * `transaction` becomes a savepoint.
 *
 * Lock waits never block the event loop: SQLite's own busy handler sleeps synchronously
 * (a worker waiting on it would miss its heartbeats), so it stays off, and a statement
 * that finds the database locked (`SQLITE_BUSY`, including `BEGIN IMMEDIATE`) is retried
 * after timer sleeps with backoff until the busy timeout has passed. `PRAGMA busy_timeout`
 * reads and sets that timeout (per connection) as it would in SQLite.
 *
 * A missing file is created (unless `mustExist`), but never a missing folder: a typo in a
 * path is an error naming it, not a new empty database somewhere. The one exception is
 * lockstep's own `.lockstep/` folder (the default `sqlite:.lockstep/dev.db`).
 *
 * Parameters: a statement that contains `$<digit>` is bound by number (`$1` = params[0]);
 * otherwise the values bind positionally to `?`.
 *
 * @example
 * const db = await openSqlite(parseConnectionUrl('sqlite:./.lockstep/dev.db'));
 * await db.query('select $1 as one', [1]); // → { rows: [{ one: 1 }], rowCount: 1 }
 */
export async function openSqlite(url: ConnectionUrl, options: ConnectOptions = {}): Promise<Database> {
  const filename = url.filename ?? ':memory:';
  const memory = filename === ':memory:' || filename === '';
  const path = memory ? ':memory:' : resolve(filename);
  if (!memory && !existsSync(path)) prepareMissingFile(path, options);
  let connection: Connection;
  try {
    connection = new BetterSqlite3(path, { fileMustExist: Boolean(options.mustExist) });
  } catch (error) {
    throw new LockstepError(`cannot open SQLite database ${url.display}: ${errorMessage(error)}`, {
      cause: error,
      hint: `Check that the folder ${memory ? '' : dirname(path)} can be created and written by this user.`,
    });
  }
  const busyTimeoutMs = Math.max(0, Math.floor(options.busyTimeoutMs ?? 5000));
  try {
    // Lock waits are the session's asynchronous retries (see above), never SQLite's sleeps.
    connection.pragma('busy_timeout = 0');
    // The first real read happens here, so "file is not a database" surfaces now. Another
    // process may hold the file for a moment (its WAL recovery or closing checkpoint), so the
    // open waits for it like any statement does.
    if (!memory) await retryWhileBusy(connection, busyTimeoutMs, () => connection.pragma('journal_mode = WAL'));
    connection.pragma('foreign_keys = ON');
  } catch (error) {
    connection.close();
    const busy = String((error as { code?: string }).code ?? '').startsWith('SQLITE_BUSY');
    throw new LockstepError(`cannot open SQLite database ${url.display}: ${errorMessage(error)}`, {
      cause: error,
      hint: busy
        ? `Another connection held the file locked for longer than the busy timeout (${busyTimeoutMs} ms); find the process holding it, or raise busyTimeoutMs.`
        : 'The file exists but is not a usable SQLite database; point the URL at another file or remove it.',
    });
  }
  return new SqliteDatabase(connection, url.display, busyTimeoutMs, memory ? `sqlite:memory:${randomUUID()}` : `sqlite:${path}`);
}

/** lockstep's own folder, the only missing folder the driver creates (`sqlite:.lockstep/dev.db`). */
const LOCKSTEP_FOLDER = '.lockstep';

/** Refuses (naming the path) unless the file may be created and its folder exists. */
function prepareMissingFile(path: string, options: ConnectOptions): void {
  const whereSet = 'in --url, DATABASE_URL or "url" in lockstep.config.json';
  if (options.mustExist) {
    throw new DatabaseNotFoundError(`SQLite database not found: ${path}`, path, `This command reads an existing database and creates none. Check the path ${whereSet} (a typo?); lockstep migrate up creates the database.`);
  }
  const folder = dirname(path);
  if (existsSync(folder)) return;
  if (basename(folder) === LOCKSTEP_FOLDER && existsSync(dirname(folder))) {
    mkdirSync(folder);
    return;
  }
  throw new DatabaseNotFoundError(
    `cannot create SQLite database ${path}: its folder ${folder} does not exist`,
    folder,
    `lockstep creates a database file but never a missing folder, so a typo in a path does not go unnoticed. Create the folder (mkdir -p ${folder}) or fix the path ${whereSet}.`,
  );
}

class SqliteDatabase implements Database {
  readonly dialect = 'sqlite' as const;
  private readonly session: SqliteSession;
  private readonly mutex = new Mutex();
  private readonly holder = new AsyncLocalStorage<SqliteDatabase>();
  private savepoints = 0;

  constructor(
    private readonly connection: Connection,
    readonly displayUrl: string,
    busyTimeoutMs: number,
    readonly identity: string,
  ) {
    this.session = new SqliteSession(connection, displayUrl, busyTimeoutMs);
  }

  async listen(channels: readonly string[], onNotify: (channel: string, payload: string) => void, options: ListenOptions = {}): Promise<() => Promise<void>> {
    const handlers = channels.map((channel) => [`${this.identity}\u0000${channel}`, (payload: string) => onNotify(channel, payload)] as const);
    for (const [key, handler] of handlers) notifications.on(key, handler);
    options.onStatus?.({ state: 'listening' });
    return async () => {
      for (const [key, handler] of handlers) notifications.off(key, handler);
    };
  }

  async notify(channel: string, payload = ''): Promise<void> {
    notifications.emit(`${this.identity}\u0000${channel}`, payload);
  }

  query<R = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<QueryResult<R>> {
    return this.serialized(() => this.session.query<R>(sql, params));
  }

  exec(sql: string): Promise<void> {
    return this.serialized(() => this.session.exec(sql));
  }

  async transaction<T>(fn: (tx: Queryable) => Promise<T>, options: TransactionOptions = {}): Promise<T> {
    if (this.holder.getStore() === this) return this.nestedTransaction(fn);
    return this.mutex.run(() =>
      this.holder.run(this, async () => {
        await this.session.exec(options.immediate ? 'BEGIN IMMEDIATE' : 'BEGIN');
        let result: T;
        try {
          result = await fn(this.session);
        } catch (error) {
          if (this.connection.inTransaction) this.connection.exec('ROLLBACK');
          throw error;
        }
        try {
          await this.session.exec('COMMIT');
        } catch (error) {
          if (this.connection.inTransaction) this.connection.exec('ROLLBACK');
          throw error;
        }
        return result;
      }),
    );
  }

  /** A transaction inside a transaction on the same context becomes a savepoint. */
  private async nestedTransaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
    const name = `lockstep_sp_${++this.savepoints}`;
    await this.session.exec(`SAVEPOINT ${name}`);
    try {
      const result = await fn(this.session);
      await this.session.exec(`RELEASE ${name}`);
      return result;
    } catch (error) {
      if (this.connection.inTransaction) this.connection.exec(`ROLLBACK TO ${name}; RELEASE ${name}`);
      throw error;
    }
  }

  withConnection<T>(fn: (conn: Queryable) => Promise<T>): Promise<T> {
    if (this.holder.getStore() === this) return fn(this.session);
    return this.mutex.run(() => this.holder.run(this, () => fn(this.session)));
  }

  adoptTransaction(handle: unknown): Queryable {
    const adopted = adoptQueryMethod(handle);
    if (adopted) return adopted;
    if (typeof handle === 'object' && handle !== null && typeof (handle as { prepare?: unknown }).prepare === 'function') {
      // A better-sqlite3 Database inside the transaction the caller opened.
      const connection = handle as Connection;
      return {
        query: async <R>(sql: string, params: readonly unknown[] = []) => runStatement<R>(connection.prepare(sql), sql, params),
        exec: async (sql: string) => void connection.exec(sql),
      };
    }
    throw new LockstepError('a transaction on SQLite is joined through a better-sqlite3 Database or a lockstep Queryable', {
      hint: 'Pass the connection your transaction runs on: { tx: db }.',
    });
  }

  async close(): Promise<void> {
    if (!this.connection.open) return;
    if (this.holder.getStore() === this) {
      this.connection.close();
      return;
    }
    await this.mutex.run(async () => {
      if (this.connection.open) this.connection.close();
    });
  }

  /** Plain queries wait for a running transaction (as they would use another pool connection on PostgreSQL). */
  private serialized<T>(fn: () => Promise<T>): Promise<T> {
    if (this.holder.getStore() === this || this.mutex.idle) return fn();
    return this.mutex.run(fn);
  }
}

/** `PRAGMA busy_timeout`, `PRAGMA busy_timeout = N` or `PRAGMA busy_timeout(N)`. */
const BUSY_TIMEOUT_PRAGMA = /^\s*pragma\s+(?:main\s*\.\s*)?busy_timeout\s*(?:=\s*(-?\d+)|\(\s*(-?\d+)\s*\))?\s*;?\s*$/i;

/** Longest sleep between two attempts at a locked database (SQLite's own handler tops out at 100 ms). */
const MAX_RETRY_DELAY_MS = 50;

/** The connection itself as a Queryable: no locking, used inside a held turn. */
class SqliteSession implements Queryable {
  private readonly statements = new Map<string, Statement>();

  constructor(
    private readonly connection: Connection,
    private readonly displayUrl: string,
    private busyTimeoutMs: number,
  ) {}

  async query<R = Record<string, unknown>>(sql: string, params: readonly unknown[] = []): Promise<QueryResult<R>> {
    const pragma = this.busyTimeoutPragma(sql);
    if (pragma) return { rows: [{ timeout: pragma } as R], rowCount: 1 };
    return this.retryWhileBusy(() => runStatement<R>(this.prepare(sql), sql, params));
  }

  async exec(sql: string): Promise<void> {
    if (this.busyTimeoutPragma(sql)) return;
    // A script is retried statement by statement: the statements before a busy one have
    // already run (and, outside a transaction, committed), so they must not run twice.
    const statements = /;[\s\S]*\S/.test(sql) ? splitSqliteStatements(sql) : [];
    if (statements.length <= 1) {
      await this.retryWhileBusy(() => this.connection.exec(sql));
      return;
    }
    for (const statement of statements) {
      if (!this.busyTimeoutPragma(statement.sql)) await this.retryWhileBusy(() => this.connection.exec(statement.sql));
    }
  }

  /** Reads or sets the busy timeout (the pragma never reaches SQLite, whose own handler stays off); undefined for other SQL. */
  private busyTimeoutPragma(sql: string): number | undefined {
    const match = BUSY_TIMEOUT_PRAGMA.exec(sql);
    if (!match) return undefined;
    const value = match[1] ?? match[2];
    if (value !== undefined) this.busyTimeoutMs = Math.max(0, Number(value));
    return this.busyTimeoutMs;
  }

  private async retryWhileBusy<T>(attempt: () => T): Promise<T> {
    try {
      return await retryWhileBusy(this.connection, this.busyTimeoutMs, attempt);
    } catch (error) {
      throw this.translate(error);
    }
  }

  private prepare(sql: string): Statement {
    let statement = this.statements.get(sql);
    if (statement) {
      // Refresh its place so the cache evicts the least recently used statement.
      this.statements.delete(sql);
    } else {
      statement = this.connection.prepare(sql);
      if (this.statements.size >= STATEMENT_CACHE_SIZE) this.statements.delete(this.statements.keys().next().value!);
    }
    this.statements.set(sql, statement);
    return statement;
  }

  /** SQLITE_BUSY after the busy timeout gets a message that says what to do. */
  private translate(error: unknown): unknown {
    const code = (error as { code?: string }).code;
    if (code === 'SQLITE_BUSY_SNAPSHOT') {
      return new LockstepError(`SQLite database ${this.displayUrl}: another connection wrote after this transaction started reading, so it cannot write any more`, {
        cause: error,
        hint: 'Roll back and run the transaction again; a transaction that reads before it writes should start with BEGIN IMMEDIATE (transaction(fn, { immediate: true })).',
      });
    }
    if (code === 'SQLITE_BUSY' || code?.startsWith('SQLITE_BUSY_')) {
      return new LockstepError(
        `SQLite database ${this.displayUrl} is locked: another connection held its write lock for longer than the busy timeout (${this.busyTimeoutMs} ms)`,
        {
          cause: error,
          hint: 'Find the process with a long-running write transaction on this file, or raise busyTimeoutMs.',
        },
      );
    }
    return error;
  }
}

/**
 * Runs `attempt` (synchronous, one better-sqlite3 call) and, while it fails with
 * SQLITE_BUSY, runs it again after a timer sleep (1, 2, 4 … 50 ms, with jitter) until
 * `busyTimeoutMs` has passed, so the event loop keeps running meanwhile. A statement that
 * got SQLITE_BUSY did nothing, so running it again is safe; `SQLITE_BUSY_SNAPSHOT`
 * inside a transaction cannot clear by waiting and is thrown at once.
 */
async function retryWhileBusy<T>(connection: Connection, busyTimeoutMs: number, attempt: () => T): Promise<T> {
  const started = performance.now();
  let delay = 1;
  for (;;) {
    try {
      return attempt();
    } catch (error) {
      const code = (error as { code?: string }).code;
      const busy = code === 'SQLITE_BUSY' || (code?.startsWith('SQLITE_BUSY_') && !(code === 'SQLITE_BUSY_SNAPSHOT' && connection.inTransaction));
      const left = busyTimeoutMs - (performance.now() - started);
      if (!busy || left <= 0) throw error;
      await new Promise((resolve) => setTimeout(resolve, Math.max(1, Math.min(left, delay * (0.75 + Math.random() / 2)))));
      delay = Math.min(delay * 2, MAX_RETRY_DELAY_MS);
    }
  }
}

/**
 * Runs one prepared statement: a statement with `$<digit>` binds by number (`$1` =
 * params[0]), otherwise positionally; rows for a reader, the change count otherwise.
 */
function runStatement<R>(statement: Statement, sql: string, params: readonly unknown[]): QueryResult<R> {
  const values = params.map(toSqliteValue);
  const bind = params.length > 0 && /\$\d/.test(sql) ? [Object.fromEntries(values.map((v, i) => [i + 1, v]))] : values;
  if (statement.reader) {
    const rows = statement.all(...bind) as R[];
    return { rows, rowCount: rows.length };
  }
  return { rows: [], rowCount: statement.run(...bind).changes };
}

/**
 * SQLite stores booleans as 0/1 and has no date type: dates become ISO-8601 text (which
 * sorts and compares correctly); plain objects and arrays become JSON text.
 */
function toSqliteValue(value: unknown): unknown {
  if (value === undefined) return null;
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (value instanceof Date) return value.toISOString();
  if (value !== null && typeof value === 'object' && !Buffer.isBuffer(value) && !ArrayBuffer.isView(value)) return JSON.stringify(value);
  return value;
}

/** First come, first served turns on one connection. */
class Mutex {
  private tail: Promise<void> = Promise.resolve();
  private pending = 0;

  get idle(): boolean {
    return this.pending === 0;
  }

  async run<T>(fn: () => Promise<T>): Promise<T> {
    this.pending++;
    const previous = this.tail;
    let release!: () => void;
    this.tail = new Promise((resolve) => (release = resolve));
    try {
      await previous;
      return await fn();
    } finally {
      this.pending--;
      release();
    }
  }
}
