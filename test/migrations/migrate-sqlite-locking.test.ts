import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import BetterSqlite3 from 'better-sqlite3';
import { migrateUp } from '../../src/migrations/migrate-up.js';
import { readMigrationsFolder } from '../../src/migrations/migration-folder.js';
import type { MigrationProgress } from '../../src/migrations/migration-result.js';
import { createTestDatabase } from '../helpers/databases.js';
import { makeProject, writeMigration } from './helpers.js';

/**
 * SQLite's migration lock is the database's write lock. A run must not hold it for the
 * whole run (every worker on the file would freeze), and waiting for it must not block the
 * event loop (a worker's heartbeats are timers).
 */
describe('migrate up on SQLite: one commit per migration, lock waits off the event loop', () => {
  test('another connection sees migration 1 applied and can write while migration 2 waits for it; timers keep ticking', async () => {
    const t = await createTestDatabase('sqlite');
    const project = makeProject();
    const file = t.url.slice('sqlite:'.length);
    const other = new BetterSqlite3(file, { timeout: 0 });
    let ticks = 0;
    const ticker = setInterval(() => ticks++, 20);
    try {
      writeMigration(project, '001_accounts', 'create table accounts (id integer primary key, name text not null);');
      writeMigration(project, '002_regions', 'create table regions (id integer primary key);');
      writeMigration(project, '003_audit', 'create table audit (id integer primary key);');
      const migrations = readMigrationsFolder(join(project.dir, 'migrations'));

      let seenAfterFirst: string[] | undefined;
      let otherWroteBetween: string | undefined;
      let ticksAtRelease = 0;
      let heldAt = 0;
      let secondStartedAt = 0;
      let secondFinishedAt = 0;
      const onProgress = (event: MigrationProgress) => {
        if (event.type === 'finish' && event.result.version === '001') {
          // Migration 1 is committed: another connection reads it, and can take the write lock
          // (an application write, a job heartbeat) before migration 2 starts.
          seenAfterFirst = other.prepare('select version from lockstep_migrations order by version').all().map((r) => (r as { version: string }).version);
          try {
            other.exec('begin immediate');
            other.prepare("insert into accounts (name) values ('written between migrations')").run();
            otherWroteBetween = 'yes';
            heldAt = performance.now();
            ticksAtRelease = ticks;
            setTimeout(() => {
              ticksAtRelease = ticks - ticksAtRelease;
              other.exec('commit');
            }, 400);
          } catch (error) {
            otherWroteBetween = `no: ${(error as Error).message}`;
          }
        }
        if (event.type === 'start' && event.version === '002') secondStartedAt = performance.now();
        if (event.type === 'finish' && event.result.version === '002') secondFinishedAt = performance.now();
      };

      const outcome = await migrateUp(t.db, migrations, { onProgress });
      assert.equal(outcome.ok, true, outcome.error?.message ?? JSON.stringify(outcome.results));
      assert.deepEqual(outcome.results.map((r) => `${r.version} ${r.status}`), ['001 applied', '002 applied', '003 applied']);
      assert.deepEqual(seenAfterFirst, ['001'], 'migration 1 was committed before migration 2 ran');
      assert.equal(otherWroteBetween, 'yes', 'the write lock was free between migrations');
      // Migration 2 waited for the other connection's write lock, without blocking the event loop.
      assert.ok(secondFinishedAt - heldAt >= 350, `migration 2 did not wait: ${Math.round(secondFinishedAt - heldAt)} ms`);
      assert.ok(secondStartedAt >= heldAt);
      // The release itself is a timer of this process, so a blocked event loop could never have
      // let migration 2 through; the ticker shows other timers ran too (few on a loaded machine).
      assert.ok(ticksAtRelease >= 3, `the event loop stalled while waiting: ${ticksAtRelease} ticks of a 20 ms timer in 400 ms`);
      const rows = await t.db.query<{ name: string }>('select name from accounts');
      assert.deepEqual(rows.rows, [{ name: 'written between migrations' }]);
      const history = await t.db.query<{ version: string }>('select version from lockstep_migrations order by version');
      assert.deepEqual(history.rows.map((r) => r.version), ['001', '002', '003']);
    } finally {
      clearInterval(ticker);
      other.close();
      project.dispose();
      await t.dispose();
    }
  });

  test('a failing migration is rolled back alone; the ones before it stay committed', async () => {
    const t = await createTestDatabase('sqlite');
    const project = makeProject();
    try {
      writeMigration(project, '001_accounts', 'create table accounts (id integer primary key);');
      writeMigration(project, '002_broken', 'create table half (id integer primary key);\ninsert into missing_table values (1);');
      writeMigration(project, '003_never', 'create table never (id integer primary key);');
      const outcome = await migrateUp(t.db, readMigrationsFolder(join(project.dir, 'migrations')));
      assert.deepEqual(outcome.results.map((r) => `${r.version} ${r.status}`), ['001 applied', '002 failed', '003 not-run']);
      const tables = await t.db.query<{ name: string }>("select name from sqlite_master where type = 'table' order by name");
      assert.deepEqual(tables.rows.map((r) => r.name), ['accounts', 'lockstep_migration_lock', 'lockstep_migrations']);
      const history = await t.db.query<{ version: string }>('select version from lockstep_migrations');
      assert.deepEqual(history.rows.map((r) => r.version), ['001']);
    } finally {
      project.dispose();
      await t.dispose();
    }
  });
});
