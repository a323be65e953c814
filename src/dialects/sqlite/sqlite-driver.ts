import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { errorMessage, LockstepError } from '../../core/errors.js';
import type { ConnectionUrl } from '../connection-url.js';
import type { ConnectOptions, Database, ListenOptions, Queryable, QueryResult, TransactionOptions } from '../database.js';

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
 * Opens a SQLite database (a file, created with its folder when missing, or `:memory:`)
 * behind the `Database` seam: WAL journal, foreign keys on, and a busy timeout so
 * processes sharing the file queue for the write lock instead of failing at once.
 *
 * better-sqlite3 is synchronous and one connection cannot nest transactions, so
 * `transaction` and `withConnection` take turns through an async mutex; code running
 * inside one of them (same async context) goes straight through, and a nested
 * `transaction` becomes a savepoint. Being synchronous, a wait on the busy timeout also
 * blocks this process's event loop: keep write transactions short.
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
  let connection: Connection;
  try {
    if (!memory) mkdirSync(dirname(path), { recursive: true });
    connection = new BetterSqlite3(path);
  } catch (error) {
    throw new LockstepError(`cannot open SQLite database ${url.display}: ${errorMessage(error)}`, {
      cause: error,
      hint: `Check that the folder ${memory ? '' : dirname(path)} can be created and written by this user.`,
    });
  }
  const busyTimeoutMs = options.busyTimeoutMs ?? 5000;
  try {
    connection.pragma(`busy_timeout = ${Math.max(0, Math.floor(busyTimeoutMs))}`);
    // The first real read happens here, so "file is not a database" surfaces now.
    if (!memory) connection.pragma('journal_mode = WAL');
    connection.pragma('foreign_keys = ON');
  } catch (error) {
    connection.close();
    throw new LockstepError(`cannot open SQLite database ${url.display}: ${errorMessage(error)}`, {
      cause: error,
      hint: 'The file exists but is not a usable SQLite database; point the URL at another file or remove it.',
    });
  }
  return new SqliteDatabase(connection, url.display, busyTimeoutMs, memory ? `sqlite:memory:${randomUUID()}` : `sqlite:${path}`);
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

/** The connection itself as a Queryable: no locking, used inside a held turn. */
class SqliteSession implements Queryable {
  private readonly statements = new Map<string, Statement>();

  constructor(
    private readonly connection: Connection,
    private readonly displayUrl: string,
    private readonly busyTimeoutMs: number,
  ) {}

  async query<R = Record<string, unknown>>(sql: string, params: readonly unknown[] = []): Promise<QueryResult<R>> {
    try {
      const statement = this.prepare(sql);
      const values = params.map(toSqliteValue);
      const bind = params.length > 0 && /\$\d/.test(sql) ? [Object.fromEntries(values.map((v, i) => [i + 1, v]))] : values;
      if (statement.reader) {
        const rows = statement.all(...bind) as R[];
        return { rows, rowCount: rows.length };
      }
      const info = statement.run(...bind);
      return { rows: [], rowCount: info.changes };
    } catch (error) {
      throw this.translate(error);
    }
  }

  async exec(sql: string): Promise<void> {
    try {
      this.connection.exec(sql);
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
