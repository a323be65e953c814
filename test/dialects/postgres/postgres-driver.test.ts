import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseConnectionUrl } from '../../../src/dialects/connection-url.js';
import { connectPostgres } from '../../../src/dialects/postgres/postgres-driver.js';
import { postgresDialect } from '../../../src/dialects/postgres/postgres-dialect.js';
import { LockstepError } from '../../../src/core/errors.js';
import { runScript } from '../../../src/dialects/run-script.js';
import { createTestDatabase, testPgUrl, urlWithPassword } from '../../helpers/databases.js';

function urlWith(change: (url: URL) => void): string {
  const url = new URL(testPgUrl());
  change(url);
  return url.toString();
}

async function connectError(url: string): Promise<LockstepError> {
  try {
    const db = await connectPostgres(parseConnectionUrl(url), { connectTimeoutMs: 3000 });
    await db.close();
  } catch (error) {
    assert.ok(error instanceof LockstepError, `expected a LockstepError, got ${String(error)}`);
    return error;
  }
  assert.fail(`connecting to ${url} should have failed`);
}

describe('PostgreSQL driver', () => {
  test('query binds $n parameters and exec runs a multi-statement script', async () => {
    const t = await createTestDatabase('postgres');
    try {
      await t.db.exec('create table a (id int primary key, name text); insert into a values (1, $$x$$), (2, $$y$$);');
      const { rows, rowCount } = await t.db.query<{ name: string }>('select name from a where id = $1', [2]);
      assert.deepEqual(rows, [{ name: 'y' }]);
      assert.equal(rowCount, 1);
      const updated = await t.db.query('update a set name = $1', ['z']);
      assert.equal(updated.rowCount, 2);
    } finally {
      await t.dispose();
    }
  });

  test('a failed transaction rolls back, leaves no aborted connection, and the pool keeps working', async () => {
    const t = await createTestDatabase('postgres');
    const db = await connectPostgres(parseConnectionUrl(t.url), { maxConnections: 1 });
    try {
      await db.exec('create table a (id int primary key)');
      await assert.rejects(
        db.transaction(async (tx) => {
          await tx.query('insert into a values (1)');
          await tx.query('insert into a values (1)'); // duplicate key: the transaction is now aborted
        }),
        (error: { code?: string }) => error.code === '23505',
      );
      // The only connection of the pool must be clean: not in an aborted transaction.
      const { rows } = await db.query<{ n: string }>('select count(*)::text as n from a');
      assert.equal(rows[0]!.n, '0');
      const value = await db.transaction(async (tx) => {
        await tx.query('insert into a values (2)');
        return 'done';
      });
      assert.equal(value, 'done');
      assert.deepEqual((await db.query('select id from a')).rows, [{ id: 2 }]);
      // An error inside withConnection after a manual BEGIN must not leak the open transaction.
      await assert.rejects(
        db.withConnection(async (conn) => {
          await conn.exec('begin');
          await conn.query('insert into a values (3)');
          throw new Error('boom');
        }),
        /boom/,
      );
      assert.deepEqual((await db.query('select id from a order by id')).rows, [{ id: 2 }]);
    } finally {
      await db.close();
      await t.dispose();
    }
  });

  test('an unreachable server gives an exit-2 error naming host and port', async () => {
    const error = await connectError('postgres://someone:s3cret-pass@127.0.0.1:1/app');
    assert.equal(error.exitCode, 2);
    assert.match(error.message, /cannot connect to PostgreSQL at 127\.0\.0\.1:1/);
    assert.match(error.message, /is the server running\?/);
    assert.doesNotMatch(error.message + (error.hint ?? ''), /s3cret-pass/);
  });

  test('an unknown host is reported as unreachable', async () => {
    const error = await connectError('postgres://u:pw@no-such-host.invalid:5432/app');
    assert.match(error.message, /cannot connect to PostgreSQL at no-such-host\.invalid:5432/);
  });

  test('a missing database gives an exit-2 error naming it, without the password', async () => {
    const { url, secret } = urlWithPassword();
    url.pathname = '/lockstep_no_such_db';
    const error = await connectError(url.toString());
    assert.equal(error.exitCode, 2);
    assert.match(error.message, /database "lockstep_no_such_db" does not exist/);
    assert.ok(!(error.message + (error.hint ?? '')).includes(secret), 'the password is never printed');
    assert.match(error.message, /\*\*\*/);
  });

  test('an unknown role is an authentication error without the password', async () => {
    const error = await connectError(urlWith((u) => {
      u.username = 'lockstep_no_such_role';
      u.password = 'topsecret-42';
    }));
    assert.equal(error.exitCode, 2);
    assert.match(error.message, /authentication failed for user "lockstep_no_such_role"/);
    assert.doesNotMatch(error.message + (error.hint ?? ''), /topsecret-42/);
  });

  test('runScript pins a syntax error to file:line through the splitter', async () => {
    const t = await createTestDatabase('postgres');
    try {
      const script = 'create table a (id int);\n\n-- next one is broken\ncreate tabel b (id int);\n';
      await assert.rejects(runScript(t.db, postgresDialect, script, 'schema.sql'), (error: LockstepError) => {
        assert.equal(error.location, 'schema.sql:4');
        assert.match(error.message, /^schema\.sql:4: syntax error at or near "tabel"/);
        return true;
      });
      const script2 = 'create table a2 (id int);\ncreate table c (\n  id int,\n  a_id int references missing_table(id)\n);';
      await assert.rejects(runScript(t.db, postgresDialect, script2, 'schema.sql'), /schema\.sql:2: relation "missing_table" does not exist/);
    } finally {
      await t.dispose();
    }
  });

  test('a pool whose idle connection is killed does not crash the process', async () => {
    const t = await createTestDatabase('postgres');
    try {
      await t.db.query('select 1');
      const admin = await connectPostgres(parseConnectionUrl(testPgUrl()));
      try {
        const name = new URL(t.url).pathname.slice(1);
        await admin.query('select pg_terminate_backend(pid) from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()', [name]);
      } finally {
        await admin.close();
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
      const { rows } = await t.db.query<{ one: number }>('select 1 as one');
      assert.deepEqual(rows, [{ one: 1 }]);
    } finally {
      await t.dispose();
    }
  });
});
