import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { connect } from '../../src/dialects/index.js';
import type { Database } from '../../src/dialects/database.js';
import type { DialectName } from '../../src/core/model.js';
import { DEFAULT_TEST_PG_URL } from './test-postgres.js';

/** Every schema test runs its body once per dialect (Kysely's `for (const dialect of DIALECTS)`). */
export const DIALECTS: readonly DialectName[] = ['postgres', 'sqlite'];

/** The server URL the test runner resolved (see scripts/run-tests.mjs). */
export function testPgUrl(): string {
  return process.env.LOCKSTEP_TEST_PG_URL ?? DEFAULT_TEST_PG_URL;
}

export interface TestDatabase {
  dialect: DialectName;
  /** URL of this test's own database (PostgreSQL) or file (SQLite). */
  url: string;
  db: Database;
  /** Closes the connection and drops the database / deletes the file. */
  dispose(): Promise<void>;
}

/**
 * A fresh, empty database of its own for one test: a new database on the test server
 * for PostgreSQL, a new file (or `:memory:` with `{ memory: true }`) for SQLite.
 *
 * @example
 * const t = await createTestDatabase('postgres');
 * try { await t.db.exec('create table a (id int)'); } finally { await t.dispose(); }
 */
export async function createTestDatabase(dialect: DialectName, options: { memory?: boolean } = {}): Promise<TestDatabase> {
  if (dialect === 'sqlite') {
    if (options.memory) {
      const db = await connect('sqlite::memory:');
      return { dialect, url: 'sqlite::memory:', db, dispose: () => db.close() };
    }
    const dir = mkdtempSync(join(tmpdir(), 'lockstep-test-'));
    const url = `sqlite:${join(dir, 'test.db')}`;
    const db = await connect(url);
    return {
      dialect,
      url,
      db,
      dispose: async () => {
        await db.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  }
  const url = await createPgDatabase();
  const db = await connect(url);
  return {
    dialect,
    url,
    db,
    dispose: async () => {
      await db.close();
      await dropPgDatabase(url);
    },
  };
}

/** Creates an empty database on the test server and returns its URL. */
export async function createPgDatabase(prefix = 'lockstep_t'): Promise<string> {
  const name = `${prefix}_${process.pid}_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: testPgUrl() });
  await admin.connect();
  try {
    await admin.query(`create database "${name}"`);
  } finally {
    await admin.end();
  }
  const url = new URL(testPgUrl());
  url.pathname = `/${name}`;
  return url.toString();
}

export async function dropPgDatabase(databaseUrl: string): Promise<void> {
  const name = decodeURIComponent(new URL(databaseUrl).pathname.slice(1));
  const admin = new pg.Client({ connectionString: testPgUrl() });
  await admin.connect();
  try {
    await admin.query(`drop database if exists "${name.replace(/"/g, '""')}" with (force)`);
  } finally {
    await admin.end();
  }
}

/**
 * A test server URL that carries a password, and that password, so a test can assert it
 * is never printed. The server's own password is kept when it has one (the embedded
 * server uses scram auth); under trust auth any password works, so one is made up.
 */
export function urlWithPassword(url: string = testPgUrl()): { url: URL; secret: string } {
  const parsed = new URL(url);
  if (!parsed.password) parsed.password = 's3cret-hunter2';
  return { url: parsed, secret: decodeURIComponent(parsed.password) };
}
