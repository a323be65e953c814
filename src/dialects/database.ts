import { LockstepError } from '../core/errors.js';
import type { DialectName } from '../core/model.js';

/**
 * The database seam. Everything above the dialect folders talks to a database through
 * these few members and nothing else (pg-boss's `executeSql` is the model).
 *
 * Placeholders are `$1, $2, …` on both dialects (the SQLite driver binds them by number).
 * Values: strings, numbers, bigints, null, booleans (SQLite stores 0/1) and Buffers.
 */
export interface QueryResult<R> {
  rows: R[];
  /** Rows changed by INSERT/UPDATE/DELETE, else rows returned. */
  rowCount: number;
}

export interface Queryable {
  query<R = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<QueryResult<R>>;
  /** Runs a script of one or more statements without parameters. */
  exec(sql: string): Promise<void>;
}

export interface TransactionOptions {
  /**
   * SQLite: take the write lock up front (`BEGIN IMMEDIATE`) so concurrent writers queue
   * on the busy timeout instead of failing at their first write. Ignored on PostgreSQL.
   */
  immediate?: boolean;
}

/** What a listener hears about its own connection (for the log). */
export interface ListenStatus {
  state: 'listening' | 'lost' | 'reconnecting';
  /** Reconnect attempt, from 1, while reconnecting. */
  attempt?: number;
  /** Wait before this attempt, in ms. */
  delayMs?: number;
  error?: string;
}

export interface ListenOptions {
  onStatus?: (status: ListenStatus) => void;
}

export interface Database extends Queryable {
  readonly dialect: DialectName;
  /** The connection URL with any password replaced by `***`. Safe to print. */
  readonly displayUrl: string;
  /**
   * Which database this is, as a stable key (PostgreSQL `host:port/db`, SQLite the file's
   * absolute path, or a unique key per `:memory:` database). Two `Database` objects on the
   * same database have the same identity.
   */
  readonly identity: string;
  /**
   * Delivers notifications sent on `channels` until the returned function is called.
   * PostgreSQL: LISTEN on a connection of its own, which reconnects with backoff and
   * jitter for as long as it is open (reported through `onStatus`; after a reconnect the
   * listener is called once with the channel `''`, since notifications sent meanwhile are
   * lost). SQLite: within this process only (other processes poll).
   */
  listen(channels: readonly string[], onNotify: (channel: string, payload: string) => void, options?: ListenOptions): Promise<() => Promise<void>>;
  /** Sends a notification to every listener of `channel` on this database. */
  notify(channel: string, payload?: string): Promise<void>;
  /**
   * Runs `fn` inside a transaction on one connection: commits when it resolves, rolls
   * back when it throws (and rethrows). The connection is never left in an aborted
   * transaction.
   */
  transaction<T>(fn: (tx: Queryable) => Promise<T>, options?: TransactionOptions): Promise<T>;
  /**
   * Holds one connection for `fn` (session state such as advisory locks, LISTEN, or
   * statements that must run outside a transaction in order).
   */
  withConnection<T>(fn: (conn: Queryable) => Promise<T>): Promise<T>;
  /**
   * The caller's own open transaction as a Queryable, so that lockstep's statements commit
   * or roll back with it: lockstep's Queryable, or this database's driver connection (a
   * `pg` Client/PoolClient; a better-sqlite3 Database). Throws, naming what it accepts,
   * for anything else.
   */
  adoptTransaction(handle: unknown): Queryable;
  close(): Promise<void>;
}

export interface ConnectOptions {
  /** Upper bound on open connections (PostgreSQL pool size). Default 10. */
  maxConnections?: number;
  /** Connection attempt timeout in ms. Default 5000. */
  connectTimeoutMs?: number;
  /**
   * SQLite busy timeout in ms (default 5000): how long a statement or `BEGIN IMMEDIATE`
   * waits for another connection's lock. The wait is asynchronous (timer sleeps with
   * backoff), so the event loop keeps running; `PRAGMA busy_timeout` reads and changes it.
   */
  busyTimeoutMs?: number;
  /** Application name reported to the server. */
  applicationName?: string;
  /**
   * SQLite: the database file must exist already; nothing is created, and a missing file
   * is a `DatabaseNotFoundError` naming the path. For commands that only read (status,
   * verify, health, lint, …), so a typo in a path never leaves a new empty database
   * behind. Without it the file is created, but never its folder (except lockstep's own
   * `.lockstep/`). Ignored on PostgreSQL, where the server creates nothing either.
   */
  mustExist?: boolean;
}

/**
 * The database a command was pointed at is not there, and the command creates none (a
 * SQLite file or its folder). A bad-input error (exit 2) that names the path.
 */
export class DatabaseNotFoundError extends LockstepError {
  constructor(
    message: string,
    /** The path that was not found. */
    readonly path: string,
    hint: string,
  ) {
    super(message, { hint, location: path });
    this.name = 'DatabaseNotFoundError';
  }
}
