import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { migrateDown } from '../../src/migrations/migrate-down.js';
import { migrateUp } from '../../src/migrations/migrate-up.js';
import { readMigrationsFolder } from '../../src/migrations/migration-folder.js';
import { migrationStatus } from '../../src/migrations/migration-status.js';
import { repairMigrations } from '../../src/migrations/repair-migrations.js';
import { verifyMigrations } from '../../src/migrations/verify-migrations.js';
import type { Database } from '../../src/dialects/database.js';
import { createTestDatabase, DIALECTS } from '../helpers/databases.js';
import { makeProject, writeMigration } from './helpers.js';

/** The history table exactly as lockstep created it before it recorded down.sql checksums. */
const OLD_HISTORY = (dialect: string) => `create table "lockstep_migrations" (
  version text primary key,
  name text not null,
  checksum text not null,
  applied_at ${dialect === 'postgres' ? 'timestamptz not null default now()' : 'text not null'},
  duration_ms integer not null,
  applied_by text not null
)`;

async function historyColumns(db: Database): Promise<string[]> {
  const rows =
    db.dialect === 'postgres'
      ? (await db.query<{ name: string }>("select column_name as name from information_schema.columns where table_name = 'lockstep_migrations' order by ordinal_position")).rows
      : (await db.query<{ name: string }>("select name from pragma_table_info('lockstep_migrations')")).rows;
  return rows.map((r) => r.name);
}

const sha = (bytes: string) => createHash('sha256').update(bytes).digest('hex');

for (const dialect of DIALECTS) {
  describe(`checksums and migrate repair on ${dialect}`, () => {
    test('a history table from before down checksums: read-only calls leave it alone, migrate up adds the columns once, old rows stay valid', async () => {
      const t = await createTestDatabase(dialect);
      const project = makeProject();
      try {
        // Applied by an older lockstep, which hashed the raw bytes of a CRLF file.
        const crlf = 'create table users (id integer primary key);\r\n';
        writeMigration(project, '001_users', crlf, 'drop table users;\n');
        await t.db.exec(OLD_HISTORY(dialect));
        await t.db.exec(crlf);
        await t.db.query('insert into "lockstep_migrations" (version, name, checksum, applied_at, duration_ms, applied_by) values ($1, $2, $3, $4, $5, $6)', [
          '001',
          'users',
          sha(crlf),
          new Date().toISOString(),
          3,
          'old@host',
        ]);
        const dir = join(project.dir, 'migrations');
        const before = await historyColumns(t.db);

        let status = await migrationStatus(t.db, readMigrationsFolder(dir));
        assert.deepEqual(status.migrations.map((m) => [m.version, m.checksum, m.downChecksum]), [['001', 'ok', null]]);
        assert.deepEqual(await verifyMigrations(t.db, readMigrationsFolder(dir)), []);
        assert.deepEqual(await historyColumns(t.db), before, 'status and verify do not alter the history table');

        writeMigration(project, '002_posts', 'create table posts (id integer primary key);\n', 'drop table posts;\n');
        const up = await migrateUp(t.db, readMigrationsFolder(dir));
        assert.equal(up.ok, true, up.error?.message ?? JSON.stringify(up.problems));
        assert.deepEqual(up.results.map((r) => r.version), ['002']);
        assert.deepEqual(await historyColumns(t.db), [...before, 'down_checksum', 'repaired_at', 'repaired_by']);
        const again = await migrateUp(t.db, readMigrationsFolder(dir));
        assert.equal(again.ok, true, again.error?.message);
        assert.deepEqual(await historyColumns(t.db), [...before, 'down_checksum', 'repaired_at', 'repaired_by']);

        status = await migrationStatus(t.db, readMigrationsFolder(dir));
        assert.deepEqual(status.migrations.map((m) => [m.version, m.checksum, m.downChecksum]), [['001', 'ok', null], ['002', 'ok', 'ok']]);
        writeMigration(project, '002_posts', '\uFEFFcreate table posts (id integer primary key);\r\n', 'drop table posts;\r\n');
        assert.deepEqual(await verifyMigrations(t.db, readMigrationsFolder(dir)), [], 'CRLF and a BOM are not edits');
      } finally {
        project.dispose();
        await t.dispose();
      }
    });

    test('an edited down.sql is reported on its own and blocks migrate down; repair accepts edits after confirmation, recording who and when', async () => {
      const t = await createTestDatabase(dialect);
      const project = makeProject();
      const dir = join(project.dir, 'migrations');
      try {
        writeMigration(project, '001_users', 'create table users (id integer primary key);\n', 'drop table users;\n');
        assert.equal((await migrateUp(t.db, readMigrationsFolder(dir))).ok, true);

        writeMigration(project, '001_users', 'create table users (id integer primary key);\n', 'drop table if exists users;\n');
        let problems = await verifyMigrations(t.db, readMigrationsFolder(dir));
        assert.deepEqual(problems.map((p) => [p.kind, p.file]), [['down-checksum-mismatch', join(dir, '001_users', 'down.sql')]]);
        assert.match(problems[0].message, /001_users\/down\.sql was edited after its migration was applied/);
        assert.match(problems[0].hint, /lockstep migrate repair/);
        let status = await migrationStatus(t.db, readMigrationsFolder(dir));
        assert.deepEqual(status.migrations.map((m) => [m.checksum, m.downChecksum]), [['ok', 'changed']]);
        const down = await migrateDown(t.db, readMigrationsFolder(dir));
        assert.equal(down.ok, false);
        assert.deepEqual(down.problems.map((p) => p.kind), ['down-checksum-mismatch']);

        writeMigration(project, '001_users', '-- the users\ncreate table users (id integer primary key);\n', 'drop table if exists users;\n');
        problems = await verifyMigrations(t.db, readMigrationsFolder(dir));
        assert.deepEqual(problems.map((p) => p.kind), ['checksum-mismatch', 'down-checksum-mismatch']);

        let seen: string[] = [];
        const declined = await repairMigrations(t.db, readMigrationsFolder(dir), {
          confirm: (plan) => {
            seen = plan.map((e) => `${e.version} ${e.script}`);
            return false;
          },
        });
        assert.deepEqual(seen, ['001 up', '001 down']);
        assert.deepEqual([declined.confirmed, declined.repaired.length], [false, 0]);
        assert.equal((await verifyMigrations(t.db, readMigrationsFolder(dir))).length, 2, 'declining writes nothing');

        const repaired = await repairMigrations(t.db, readMigrationsFolder(dir), { confirm: () => true });
        assert.deepEqual(repaired.repaired.map((e) => e.script), ['up', 'down']);
        assert.deepEqual(await verifyMigrations(t.db, readMigrationsFolder(dir)), []);
        status = await migrationStatus(t.db, readMigrationsFolder(dir));
        assert.deepEqual(status.migrations.map((m) => [m.checksum, m.downChecksum]), [['ok', 'ok']]);
        assert.match(status.migrations[0].repairedBy!, /@/);
        assert.equal(status.migrations[0].repairedAt, repaired.repairedAt);
        assert.ok(Math.abs(Date.parse(status.migrations[0].repairedAt!) - Date.now()) < 60_000);

        const nothing = await repairMigrations(t.db, readMigrationsFolder(dir), { confirm: () => assert.fail('nothing to confirm') });
        assert.deepEqual(nothing.repaired, []);
        const reverted = await migrateDown(t.db, readMigrationsFolder(dir));
        assert.equal(reverted.ok, true, JSON.stringify(reverted.problems));
      } finally {
        project.dispose();
        await t.dispose();
      }
    });
  });
}

for (const dialect of DIALECTS) {
  test(`a Flyway V1.1 row an earlier lockstep stored as version 11 is named, blocks migrate up, and repair renames it (${dialect})`, async () => {
    const t = await createTestDatabase(dialect);
    const project = makeProject({
      'migrations/V1__users.sql': 'create table users (id integer primary key);\n',
      'migrations/V1.1__posts.sql': 'create table posts (id integer primary key);\n',
    });
    const dir = join(project.dir, 'migrations');
    try {
      await t.db.exec(OLD_HISTORY(dialect));
      for (const [version, name, file] of [['1', 'users', 'V1__users.sql'], ['11', 'posts', 'V1.1__posts.sql']]) {
        const script = readMigrationsFolder(dir).find((m) => m.upPath.endsWith(file))!.up;
        await t.db.exec(script);
        await t.db.query('insert into "lockstep_migrations" (version, name, checksum, applied_at, duration_ms, applied_by) values ($1, $2, $3, $4, 1, $5)', [version, name, sha(script), new Date().toISOString(), 'old@host']);
      }
      const problems = await verifyMigrations(t.db, readMigrationsFolder(dir));
      assert.deepEqual(problems.map((p) => [p.kind, p.version]), [['legacy-version', '11']]);
      assert.match(problems[0].message, /V1\.1__posts\.sql .*version 11.*now 1\.1/);
      assert.match(problems[0].hint, /lockstep migrate repair/);
      const up = await migrateUp(t.db, readMigrationsFolder(dir));
      assert.equal(up.ok, false);
      assert.deepEqual(up.results, [], 'V1.1 is not applied a second time');

      const repaired = await repairMigrations(t.db, readMigrationsFolder(dir));
      assert.deepEqual(repaired.repaired.map((e) => [e.script, e.recorded, e.current]), [['version', '11', '1.1']]);
      assert.deepEqual(await verifyMigrations(t.db, readMigrationsFolder(dir)), []);
      const status = await migrationStatus(t.db, readMigrationsFolder(dir));
      assert.deepEqual(status.migrations.map((m) => [m.version, m.state, m.checksum]), [['1', 'applied', 'ok'], ['1.1', 'applied', 'ok']]);
      assert.equal((await migrateUp(t.db, readMigrationsFolder(dir))).ok, true);
    } finally {
      project.dispose();
      await t.dispose();
    }
  });
}
