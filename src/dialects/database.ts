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
  close(): Promise<void>;
}

export interface ConnectOptions {
  /** Upper bound on open connections (PostgreSQL pool size). Default 10. */
  maxConnections?: number;
  /** Connection attempt timeout in ms. Default 5000. */
  connectTimeoutMs?: number;
  /** SQLite busy timeout in ms. Default 5000. */
  busyTimeoutMs?: number;
  /** Application name reported to the server. */
  applicationName?: string;
}
