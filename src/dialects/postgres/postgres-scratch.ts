import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { LockstepError } from '../../core/errors.js';
import { parseConnectionUrl, redactPassword } from '../connection-url.js';
import type { ScratchDatabase, ScratchOptions } from '../dialect.js';
import { connectPostgres, translatePgError } from './postgres-driver.js';
import type { EmbeddedPostgres } from './postgres-embedded.js';

let embedded: Promise<EmbeddedPostgres> | null = null;

/**
 * A throwaway database `lockstep_scratch_<random>` to materialize an expected schema in:
 * on the server of `devUrl` when given, else on an embedded PostgreSQL started once per
 * process (and stopped when it exits). `dispose()` drops the database.
 *
 * @example
 * const scratch = await createPostgresScratch({ devUrl: 'postgres://postgres@localhost/postgres' });
 * try { await scratch.db.exec(schemaSql); } finally { await scratch.dispose(); }
 */
export async function createPostgresScratch(options: ScratchOptions = {}): Promise<ScratchDatabase> {
  const serverUrl = options.devUrl ?? (await sharedEmbeddedServer()).url;
  if (!/^postgres(ql)?:\/\//i.test(serverUrl)) {
    throw new LockstepError(`the dev database URL must be a PostgreSQL URL, got ${redactPassword(serverUrl)}`, {
      hint: 'Pass --dev-url postgres://user@host:5432/postgres (a server where lockstep may create temporary databases).',
    });
  }
  const name = `lockstep_scratch_${randomBytes(6).toString('hex')}`;
  // template0: nobody can be connected to it, so parallel creations never collide with
  // "source database is being accessed by other users", and it carries no local objects.
  await adminQuery(serverUrl, `create database "${name}" template template0`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  let db;
  try {
    db = await connectPostgres(parseConnectionUrl(url.toString()), { maxConnections: 2, applicationName: 'lockstep scratch' });
  } catch (error) {
    await dropDatabase(serverUrl, name).catch(() => {});
    throw error;
  }
  let disposed = false;
  return {
    db,
    async dispose() {
      if (disposed) return;
      disposed = true;
      await db.close();
      await dropDatabase(serverUrl, name);
    },
  };
}

function sharedEmbeddedServer(): Promise<EmbeddedPostgres> {
  // Imported here, not at the top: only a development command without --dev-url starts a
  // server, and a worker or probe must not even load the code that does.
  embedded ??= import('./postgres-embedded.js').then(({ startEmbeddedPostgres }) => startEmbeddedPostgres()).catch((error: unknown) => {
    embedded = null;
    throw error;
  });
  return embedded;
}

async function dropDatabase(serverUrl: string, name: string): Promise<void> {
  try {
    await adminQuery(serverUrl, `drop database if exists "${name}" with (force)`);
  } catch (error) {
    // WITH (FORCE) is PostgreSQL 13+; older servers get the plain form.
    if ((error as { code?: string }).code !== '42601') throw error;
    await adminQuery(serverUrl, `drop database if exists "${name}"`);
  }
}

async function adminQuery(serverUrl: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: serverUrl, connectionTimeoutMillis: 5000, application_name: 'lockstep scratch' });
  client.on('error', () => {});
  try {
    await client.connect();
    await client.query(sql);
  } catch (error) {
    const translated = translatePgError(error, serverUrl);
    if (translated instanceof LockstepError) {
      throw new LockstepError(`${translated.message} (the dev server used for scratch databases)`, { hint: translated.hint, cause: error });
    }
    if ((error as { code?: string }).code === '42501') {
      throw new LockstepError(`the user of ${redactPassword(serverUrl)} may not create databases: ${(error as Error).message}`, {
        hint: 'Give it CREATEDB (ALTER ROLE … CREATEDB) or pass a --dev-url whose user may create databases.',
        cause: error,
      });
    }
    throw error;
  } finally {
    await client.end().catch(() => {});
  }
}
