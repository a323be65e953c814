import pg from 'pg';
import { LockstepError } from '../../core/errors.js';
import { adoptQueryMethod } from '../adopt-transaction.js';
import type { ConnectionUrl } from '../connection-url.js';
import { redactPassword } from '../connection-url.js';
import type { ConnectOptions, Database, ListenOptions, Queryable, QueryResult } from '../database.js';

/** The part of a `pg` client or pool this driver uses (Kysely describes drivers the same way). */
interface PgQueryable {
  query(text: string, values?: unknown[]): Promise<pg.QueryResult | pg.QueryResult[]>;
}

/**
 * Opens a PostgreSQL `Database` over a `pg.Pool` and checks that the server answers, so a
 * wrong host, password or database name is reported here, once, in plain words.
 *
 * @example
 * const db = await connectPostgres(parseConnectionUrl('postgres://app@localhost/app'));
 * const { rows } = await db.query('select $1::int as n', [1]);
 * await db.close();
 */
export async function connectPostgres(url: ConnectionUrl, options: ConnectOptions = {}): Promise<Database> {
  const connectTimeoutMs = options.connectTimeoutMs ?? 5000;
  // The connect timeout goes on the client only: on the pool, `connectionTimeoutMillis` would
  // also limit how long a caller may wait for a busy pool, which is not a connection problem.
  class TimedClient extends pg.Client {
    constructor(config: pg.ClientConfig) {
      super({ ...config, connectionTimeoutMillis: connectTimeoutMs });
    }
  }
  const pool = new pg.Pool({
    connectionString: url.url,
    max: options.maxConnections ?? 10,
    application_name: options.applicationName ?? 'lockstep',
    Client: TimedClient as unknown as new () => pg.ClientBase,
  });
  // An idle client whose server went away emits 'error' on the pool; without a listener
  // Node would crash the process. The next query reports the problem instead.
  pool.on('error', () => {});
  const db = new PostgresDatabase(pool, url, options.applicationName ?? 'lockstep');
  try {
    await db.query('select 1');
  } catch (error) {
    await pool.end().catch(() => {});
    throw error;
  }
  return db;
}

class PostgresDatabase implements Database {
  readonly dialect = 'postgres' as const;
  readonly displayUrl: string;
  readonly identity: string;
  private closed = false;
  private readonly listeners = new Set<() => Promise<void>>();

  constructor(
    private readonly pool: pg.Pool,
    private readonly url: ConnectionUrl,
    private readonly applicationName: string,
  ) {
    this.displayUrl = url.display;
    this.identity = `postgres:${serverAddress(url.url)}/${databaseName(url.url)}`;
  }

  async notify(channel: string, payload = ''): Promise<void> {
    await this.query('select pg_notify($1, $2)', [channel, payload]);
  }

  /**
   * LISTEN on a client of its own (a pooled one would be handed to others). When the
   * connection drops, it reconnects with exponential backoff and full jitter (100 ms up to
   * 30 s) for as long as the listener is open, and says so through `onStatus`.
   */
  async listen(channels: readonly string[], onNotify: (channel: string, payload: string) => void, options: ListenOptions = {}): Promise<() => Promise<void>> {
    let stopped = false;
    let client: pg.Client | undefined;
    let timer: NodeJS.Timeout | undefined;
    let attempt = 0;
    const listenSql = channels.map((c) => `listen ${quoteIdent(c)}`).join('; ');
    const open = async (): Promise<void> => {
      const c = new pg.Client({ connectionString: this.url.url, application_name: `${this.applicationName}-listener`, connectionTimeoutMillis: 5000 });
      let failed = false;
      const lost = (error?: unknown) => {
        if (failed) return;
        failed = true;
        c.removeAllListeners('notification');
        c.end().catch(() => {});
        if (client === c) client = undefined;
        if (stopped) return;
        options.onStatus?.({ state: 'lost', error: error === undefined ? 'connection ended' : redactPassword(String((error as Error)?.message ?? error)) });
        schedule();
      };
      c.on('error', lost);
      c.on('end', () => lost());
      c.on('notification', (n) => onNotify(n.channel, n.payload ?? ''));
      try {
        await c.connect();
        await c.query(listenSql);
      } catch (error) {
        lost(error);
        throw error;
      }
      if (stopped) {
        failed = true;
        await c.end().catch(() => {});
        return;
      }
      client = c;
      const reconnected = attempt > 0;
      attempt = 0;
      options.onStatus?.({ state: 'listening' });
      if (reconnected) onNotify('', '');
    };
    const schedule = () => {
      if (stopped || timer) return;
      attempt++;
      const delayMs = Math.round(Math.random() * Math.min(30_000, 100 * 2 ** Math.min(attempt, 16)));
      options.onStatus?.({ state: 'reconnecting', attempt, delayMs });
      timer = setTimeout(() => {
        timer = undefined;
        open().catch(() => {});
      }, delayMs);
      timer.unref?.();
    };
    try {
      await open();
    } catch (error) {
      stopped = true;
      clearTimeout(timer);
      throw translatePgError(error, this.url.url);
    }
    const stop = async () => {
      stopped = true;
      clearTimeout(timer);
      this.listeners.delete(stop);
      const c = client;
      client = undefined;
      if (c) {
        c.removeAllListeners('end');
        await c.end().catch(() => {});
      }
    };
    this.listeners.add(stop);
    return stop;
  }

  async query<R = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<QueryResult<R>> {
    try {
      return toResult<R>(await this.pool.query(sql, params as unknown[] | undefined));
    } catch (error) {
      throw translatePgError(error, this.url.url);
    }
  }

  async exec(sql: string): Promise<void> {
    try {
      // No parameters: `pg` uses the simple query protocol, which accepts several statements.
      await this.pool.query(sql);
    } catch (error) {
      throw translatePgError(error, this.url.url);
    }
  }

  async transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
    const client = await this.acquire();
    let destroy = false;
    try {
      await client.query('BEGIN');
      let result: T;
      try {
        result = await fn(clientQueryable(client, this.url.url));
      } catch (error) {
        destroy = !(await rollback(client));
        throw error;
      }
      try {
        await client.query('COMMIT');
      } catch (error) {
        // A failed COMMIT ends the transaction on the server, but make sure before reuse.
        destroy = !(await rollback(client));
        throw translatePgError(error, this.url.url);
      }
      return result;
    } catch (error) {
      destroy ||= isConnectionError(error);
      throw error;
    } finally {
      // A client whose ROLLBACK failed may still be inside an aborted transaction:
      // destroying it is the only way to be sure no later caller inherits that state.
      client.release(destroy ? true : undefined);
    }
  }

  async withConnection<T>(fn: (conn: Queryable) => Promise<T>): Promise<T> {
    const client = await this.acquire();
    let failed = false;
    try {
      return await fn(clientQueryable(client, this.url.url));
    } catch (error) {
      failed = true;
      throw error;
    } finally {
      // After a failure the session may hold an open transaction, LISTENs or advisory
      // locks the caller did not clean up; a fresh connection is cheaper than that risk.
      client.release(failed ? true : undefined);
    }
  }

  adoptTransaction(handle: unknown): Queryable {
    const adopted = adoptQueryMethod(handle);
    if (adopted) return adopted;
    throw new LockstepError('a transaction on PostgreSQL is joined through a pg Client/PoolClient or a lockstep Queryable', {
      hint: 'Pass the connection your transaction runs on: { tx: client }.',
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const stop of [...this.listeners]) await stop();
    await this.pool.end();
  }

  private async acquire(): Promise<pg.PoolClient> {
    try {
      return await this.pool.connect();
    } catch (error) {
      throw translatePgError(error, this.url.url);
    }
  }
}

function clientQueryable(client: PgQueryable, url: string): Queryable {
  return {
    async query<R = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<QueryResult<R>> {
      try {
        return toResult<R>(await client.query(sql, params as unknown[] | undefined));
      } catch (error) {
        throw translatePgError(error, url);
      }
    },
    async exec(sql: string): Promise<void> {
      try {
        await client.query(sql);
      } catch (error) {
        throw translatePgError(error, url);
      }
    },
  };
}

/** true when the ROLLBACK went through and the client is clean again. */
async function rollback(client: pg.PoolClient): Promise<boolean> {
  try {
    await client.query('ROLLBACK');
    return true;
  } catch {
    return false;
  }
}

function toResult<R>(result: pg.QueryResult | pg.QueryResult[]): QueryResult<R> {
  // A multi-statement simple query returns one result per statement; the last one counts.
  const last = Array.isArray(result) ? result[result.length - 1] : result;
  if (!last) return { rows: [], rowCount: 0 };
  return { rows: (last.rows ?? []) as R[], rowCount: last.rowCount ?? last.rows?.length ?? 0 };
}

const UNREACHABLE_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'ETIMEDOUT', 'ECONNRESET', 'EPIPE', 'ENOENT']);

function errorCode(error: unknown): string | undefined {
  const e = error as { code?: unknown; errors?: Array<{ code?: unknown }> };
  if (typeof e?.code === 'string') return e.code;
  // Node reports a failed "happy eyeballs" attempt (IPv4 and IPv6) as an AggregateError.
  const inner = e?.errors?.find((x) => typeof x?.code === 'string');
  return inner ? String(inner.code) : undefined;
}

function isConnectionError(error: unknown): boolean {
  const code = errorCode(error);
  if (code && UNREACHABLE_CODES.has(code)) return true;
  return /Connection terminated|timeout expired|connection timeout/i.test(String((error as Error)?.message));
}

/** `host:port` of a PostgreSQL URL, for messages. */
export function serverAddress(url: string): string {
  try {
    const parsed = new URL(url);
    const host = parsed.hostname || parsed.searchParams.get('host') || 'localhost';
    return `${host}:${parsed.port || '5432'}`;
  } catch {
    return 'the configured server';
  }
}

function databaseName(url: string): string {
  try {
    return decodeURIComponent(new URL(url).pathname.slice(1)) || '(default)';
  } catch {
    return '(unknown)';
  }
}

function userName(url: string): string {
  try {
    return decodeURIComponent(new URL(url).username) || process.env.PGUSER || process.env.USER || '(default)';
  } catch {
    return '(unknown)';
  }
}

/**
 * Turns the errors of reaching a server (unreachable, authentication, unknown database)
 * into LockstepErrors that say what to do. SQL errors (with a SQLSTATE other than those)
 * pass through untouched: callers read their `code` and `position`.
 */
export function translatePgError(error: unknown, url: string): unknown {
  if (error instanceof LockstepError) return error;
  const code = errorCode(error);
  const display = redactPassword(url);
  const address = serverAddress(url);
  const reason = redactPassword(String((error as Error)?.message ?? error)).replace(url, display);
  if (code === '28P01' || code === '28000' || /password must be a string|password authentication failed|SASL/i.test(reason)) {
    return new LockstepError(`authentication failed for user "${userName(url)}" on PostgreSQL at ${address} (${display}): ${reason}`, {
      hint: 'Check the user name and password in the database URL (or PGPASSWORD), and that pg_hba.conf allows this user from this host.',
      cause: error,
    });
  }
  if (code === '3D000') {
    const name = databaseName(url);
    return new LockstepError(`database "${name}" does not exist on PostgreSQL at ${address} (${display})`, {
      hint: `Create it (createdb -h ${address.split(':')[0]} ${name}) or fix the database name in the URL.`,
      cause: error,
    });
  }
  if (code === '57P03' || code === '53300') {
    return new LockstepError(`PostgreSQL at ${address} (${display}) refused the connection: ${reason}`, {
      hint: code === '53300' ? 'The server has no free connection slots; lower maxConnections or raise max_connections.' : 'The server is starting up or shutting down; try again in a moment.',
      cause: error,
    });
  }
  if (/\bSSL\b|certificate|self[- ]signed/i.test(reason)) {
    return new LockstepError(`cannot connect to PostgreSQL at ${address} (${display}) over TLS: ${reason}`, {
      hint: 'Match sslmode in the URL to the server: sslmode=disable for a server without TLS, or sslmode=no-verify for a self-signed certificate.',
      cause: error,
    });
  }
  if (isConnectionError(error)) {
    return new LockstepError(`cannot connect to PostgreSQL at ${address} (${display}): ${reason || code}, is the server running?`, {
      hint: 'Start the server or fix the host and port in the database URL (--url, DATABASE_URL or lockstep.config.json).',
      cause: error,
    });
  }
  return error;
}

function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}
