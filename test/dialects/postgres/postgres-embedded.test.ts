import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { connect } from '../../../src/dialects/index.js';
import { startEmbeddedPostgres } from '../../../src/dialects/postgres/postgres-embedded.js';
import { createPostgresScratch } from '../../../src/dialects/postgres/postgres-scratch.js';
import { LockstepError } from '../../../src/core/errors.js';
import { testPgUrl } from '../../helpers/databases.js';

describe('embedded PostgreSQL', () => {
  test('starts a real server (also as root), answers queries, rejects a wrong password, and stops', { timeout: 120_000 }, async () => {
    const server = await startEmbeddedPostgres();
    let stopped = false;
    try {
      const url = new URL(server.url);
      assert.equal(url.hostname, '127.0.0.1');
      const db = await connect(server.url);
      try {
        const { rows } = await db.query<{ one: number; version: string }>('select 1 as one, current_setting($1) as version', ['server_version_num']);
        assert.equal(rows[0]!.one, 1);
        assert.ok(Number(rows[0]!.version) >= 150000);
      } finally {
        await db.close();
      }
      // The server asks for a password: a wrong one is an authentication error that does not print it.
      url.password = 'definitely-wrong-pw';
      await assert.rejects(connect(url.toString()), (error: LockstepError) => {
        assert.ok(error instanceof LockstepError);
        assert.equal(error.exitCode, 2);
        assert.match(error.message, /authentication failed for user "postgres"/);
        assert.doesNotMatch(error.message + (error.hint ?? ''), /definitely-wrong-pw/);
        return true;
      });
      const port = Number(new URL(server.url).port);
      await server.stop();
      stopped = true;
      await assert.rejects(connect(`postgres://postgres@127.0.0.1:${port}/postgres`, { connectTimeoutMs: 2000 }), /cannot connect to PostgreSQL at 127\.0\.0\.1:\d+/);
    } finally {
      if (!stopped) await server.stop();
    }
  });
});

describe('PostgreSQL scratch databases', () => {
  test('a scratch database on the dev server is created empty and dropped on dispose', async () => {
    const scratch = await createPostgresScratch({ devUrl: testPgUrl() });
    const name = (await scratch.db.query<{ db: string }>('select current_database() as db')).rows[0]!.db;
    assert.match(name, /^lockstep_scratch_[0-9a-f]{12}$/);
    await scratch.db.exec('create table a (id int)');
    await scratch.dispose();
    const admin = await connect(testPgUrl());
    try {
      const { rowCount } = await admin.query('select 1 from pg_database where datname = $1', [name]);
      assert.equal(rowCount, 0);
    } finally {
      await admin.close();
    }
  });

  test('an unreachable dev server is a clear error', async () => {
    await assert.rejects(createPostgresScratch({ devUrl: 'postgres://u:pw-secret@127.0.0.1:1/postgres' }), (error: LockstepError) => {
      assert.match(error.message, /cannot connect to PostgreSQL at 127\.0\.0\.1:1 .*dev server/);
      assert.doesNotMatch(error.message, /pw-secret/);
      return true;
    });
  });

  test('without a dev URL a scratch database lives on an embedded server', { timeout: 120_000 }, async () => {
    const scratch = await createPostgresScratch();
    try {
      const { rows } = await scratch.db.query<{ db: string }>('select current_database() as db');
      assert.match(rows[0]!.db, /^lockstep_scratch_/);
      assert.match(scratch.db.displayUrl, /postgres:\*\*\*@127\.0\.0\.1:/);
    } finally {
      await scratch.dispose();
    }
  });
});
