import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { getDialect } from '../../src/dialects/index.js';
import { migrateDown } from '../../src/migrations/migrate-down.js';
import { migrateUp } from '../../src/migrations/migrate-up.js';
import { readMigrationsFolder } from '../../src/migrations/migration-folder.js';
import type { MigrationProgress } from '../../src/migrations/migration-result.js';
import { migrationStatus } from '../../src/migrations/migration-status.js';
import { verifyMigrations } from '../../src/migrations/verify-migrations.js';
import { createTestDatabase, DIALECTS } from '../helpers/databases.js';
import { dataFingerprint, introspect, makeProject, writeMigration } from './helpers.js';

const USERS = ['create table users (id integer primary key, email varchar(100) not null unique)', 'drop table users'];
const POSTS = ['create table posts (id integer primary key, user_id integer not null references users (id), title text)', 'drop table posts'];
const SEED = ["insert into users (id, email) values (1, 'a@example.com'), (2, 'b@example.com')", 'delete from users'];

for (const dialect of DIALECTS) {
  describe(`migrator on ${dialect}`, () => {
    test('up applies in order with history, status reports it, down reverts newest first', async () => {
      const t = await createTestDatabase(dialect);
      const project = makeProject();
      try {
        writeMigration(project, '001_users', USERS[0], USERS[1]);
        writeMigration(project, '002_posts', POSTS[0], POSTS[1]);
        writeMigration(project, '003_seed', SEED[0], SEED[1]);
        const migrations = readMigrationsFolder(join(project.dir, 'migrations'));
        const events: MigrationProgress['type'][] = [];

        const up = await migrateUp(t.db, migrations, { to: '002', onProgress: (e) => events.push(e.type) });
        assert.equal(up.ok, true, up.error?.message);
        assert.deepEqual(up.results.map((r) => [r.version, r.status]), [['001', 'applied'], ['002', 'applied']]);
        assert.deepEqual(events, ['start', 'finish', 'start', 'finish']);

        let status = await migrationStatus(t.db, migrations);
        assert.equal(status.current, '002');
        assert.deepEqual(status.migrations.map((m) => [m.version, m.state, m.checksum]), [['001', 'applied', 'ok'], ['002', 'applied', 'ok'], ['003', 'pending', null]]);
        assert.match(status.migrations[0].appliedBy!, /@/);

        const rest = await migrateUp(t.db, migrations);
        assert.deepEqual(rest.results.map((r) => r.version), ['003']);
        const again = await migrateUp(t.db, migrations);
        assert.equal(again.ok, true);
        assert.equal(again.results.length, 0);

        const down = await migrateDown(t.db, migrations, { steps: 2 });
        assert.equal(down.ok, true, down.error?.message);
        assert.deepEqual(down.results.map((r) => [r.version, r.direction, r.status]), [['003', 'down', 'applied'], ['002', 'down', 'applied']]);
        status = await migrationStatus(t.db, migrations);
        assert.equal(status.current, '001');
        assert.deepEqual((await introspect(t.db)).tables.map((x) => x.name), ['users']);

        const all = await migrateDown(t.db, migrations, { to: '0' });
        assert.deepEqual(all.results.map((r) => r.version), ['001']);
        assert.deepEqual((await introspect(t.db)).tables, []);
      } finally {
        project.dispose();
        await t.dispose();
      }
    });

    test('a migration that fails halfway leaves schema and data byte-identical', async () => {
      const t = await createTestDatabase(dialect);
      const project = makeProject();
      try {
        writeMigration(project, '001_users', USERS[0], USERS[1]);
        writeMigration(project, '002_seed', SEED[0], SEED[1]);
        // Adds a column and an index, updates rows, then violates the unique constraint.
        writeMigration(
          project,
          '003_broken',
          [
            'alter table users add column nickname varchar(20);',
            'create index users_nickname on users (nickname);',
            "update users set email = 'changed@example.com' where id = 1;",
            "insert into users (id, email) values (3, 'b@example.com');",
            "update users set nickname = 'never';",
          ].join('\n'),
        );
        writeMigration(project, '004_after', 'create table later (id integer primary key)');
        const migrations = readMigrationsFolder(join(project.dir, 'migrations'));
        assert.equal((await migrateUp(t.db, migrations, { to: '002' })).ok, true);
        const schemaBefore = await introspect(t.db);
        const dataBefore = await dataFingerprint(t.db);

        const outcome = await migrateUp(t.db, migrations);
        assert.equal(outcome.ok, false);
        assert.deepEqual(outcome.results.map((r) => [r.version, r.status]), [['003', 'failed'], ['004', 'not-run']]);
        assert.match(outcome.results[0].error!.message, /003_broken\/up\.sql:4: .*(unique|duplicate)/i);

        assert.deepEqual(await introspect(t.db), schemaBefore);
        assert.deepEqual(await dataFingerprint(t.db), dataBefore);
        assert.equal((await migrationStatus(t.db, migrations)).current, '002');
      } finally {
        project.dispose();
        await t.dispose();
      }
    });

    test('edited, missing and out-of-order migrations are refused, naming the file', async () => {
      const t = await createTestDatabase(dialect);
      const project = makeProject();
      try {
        writeMigration(project, '001_users', USERS[0], USERS[1]);
        writeMigration(project, '003_posts', POSTS[0], POSTS[1]);
        const dir = join(project.dir, 'migrations');
        assert.equal((await migrateUp(t.db, readMigrationsFolder(dir))).ok, true);

        // An older migration appears after 003 was applied.
        writeMigration(project, '002_late', 'create table late (id integer primary key)');
        let outcome = await migrateUp(t.db, readMigrationsFolder(dir));
        assert.equal(outcome.ok, false);
        assert.deepEqual(outcome.problems.map((p) => p.kind), ['out-of-order']);
        assert.match(outcome.problems[0].message, /migrations\/002_late\/up\.sql is pending but older than the last applied migration \(003\)/);
        assert.equal(outcome.results.length, 0);
        assert.equal((await introspect(t.db)).tables.some((x) => x.name === 'late'), false);
        const late = await migrateUp(t.db, readMigrationsFolder(dir), { allowOutOfOrder: true });
        assert.deepEqual(late.results.map((r) => [r.version, r.status]), [['002', 'applied']]);

        // An applied file is edited.
        writeMigration(project, '001_users', `${USERS[0]};\n-- edited`);
        const problems = await verifyMigrations(t.db, readMigrationsFolder(dir));
        assert.deepEqual(problems.map((p) => p.kind), ['checksum-mismatch']);
        assert.match(problems[0].message, /migrations\/001_users\/up\.sql was edited after it was applied/);
        writeMigration(project, '004_more', 'create table more (id integer primary key)');
        outcome = await migrateUp(t.db, readMigrationsFolder(dir));
        assert.equal(outcome.ok, false);
        assert.equal(outcome.results.length, 0);
        assert.equal((await introspect(t.db)).tables.some((x) => x.name === 'more'), false);

        // An applied migration disappears from the folder.
        writeMigration(project, '001_users', USERS[0], USERS[1]);
        project.dispose();
        const other = makeProject();
        try {
          writeMigration(other, '001_users', USERS[0], USERS[1]);
          const missing = await verifyMigrations(t.db, readMigrationsFolder(join(other.dir, 'migrations')), { allowOutOfOrder: true });
          assert.deepEqual(missing.map((p) => [p.kind, p.version]), [['missing-file', '002'], ['missing-file', '003']]);
          assert.match(missing[0].message, /002_late is applied \(in lockstep_migrations\) but not in the migrations folder/);
        } finally {
          other.dispose();
        }
      } finally {
        project.dispose();
        await t.dispose();
      }
    });

    test('down refuses, reverting nothing, when a migration to revert has no down.sql', async () => {
      const t = await createTestDatabase(dialect);
      const project = makeProject();
      try {
        writeMigration(project, '001_users', USERS[0]);
        writeMigration(project, '002_posts', POSTS[0], POSTS[1]);
        const migrations = readMigrationsFolder(join(project.dir, 'migrations'));
        assert.equal((await migrateUp(t.db, migrations)).ok, true);
        const outcome = await migrateDown(t.db, migrations, { steps: 2 });
        assert.equal(outcome.ok, false);
        assert.equal(outcome.results.length, 0);
        assert.deepEqual(outcome.problems.map((p) => p.kind), ['no-down']);
        assert.match(outcome.problems[0].message, /migrations\/001_users\/up\.sql has no down migration, so it cannot be reverted; nothing was reverted/);
        assert.equal((await migrationStatus(t.db, migrations)).current, '002');
        assert.deepEqual((await introspect(t.db)).tables.map((x) => x.name), ['posts', 'users']);
      } finally {
        project.dispose();
        await t.dispose();
      }
    });
  });
}

describe('no-transaction migrations on postgres', () => {
  test('CREATE INDEX CONCURRENTLY runs with the header, and fails inside a transaction without it', async () => {
    const t = await createTestDatabase('postgres');
    const project = makeProject();
    try {
      writeMigration(project, '001_users', USERS[0], USERS[1]);
      writeMigration(project, '002_index', '-- lockstep:no-transaction\ncreate index concurrently users_email_lower on users (lower(email));', 'drop index concurrently users_email_lower;');
      writeMigration(project, '003_index', 'create index concurrently users_id_email on users (id, email);');
      const migrations = readMigrationsFolder(join(project.dir, 'migrations'));
      assert.equal(migrations[1].noTransaction, true);
      const outcome = await migrateUp(t.db, migrations);
      assert.deepEqual(outcome.results.map((r) => [r.version, r.status]), [['001', 'applied'], ['002', 'applied'], ['003', 'failed']]);
      assert.match(outcome.results[2].error!.message, /003_index\/up\.sql:1: CREATE INDEX CONCURRENTLY cannot run inside a transaction block/);
      const users = (await introspect(t.db)).tables.find((x) => x.name === 'users')!;
      assert.deepEqual(users.indexes.map((i) => i.name), ['users_email_lower']);
      assert.equal(getDialect('postgres').supportsConcurrentIndexes, true);
    } finally {
      project.dispose();
      await t.dispose();
    }
  });
});
