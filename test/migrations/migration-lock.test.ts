import assert from 'node:assert/strict';
import { hostname } from 'node:os';
import { describe, test } from 'node:test';
import { readMigrationsFolder } from '../../src/migrations/migration-folder.js';
import { migrationStatus } from '../../src/migrations/migration-status.js';
import { migrationStoreFor } from '../../src/migrations/stores/index.js';
import { runCli } from '../helpers/cli.js';
import { createTestDatabase, DIALECTS } from '../helpers/databases.js';
import { makeProject, writeMigration } from './helpers.js';

for (const dialect of DIALECTS) {
  describe(`a migration lock you can see (${dialect})`, () => {
    test('while one run holds the lock, status names it and a second `migrate up` prints the holder and gives up at --lock-timeout with exit 2', async () => {
      const t = await createTestDatabase(dialect);
      const project = makeProject();
      try {
        writeMigration(project, '001_tenants', 'create table tenants (id integer primary key);');
        const migrations = readMigrationsFolder(`${project.dir}/migrations`);
        let release!: () => void;
        const released = new Promise<void>((resolve) => (release = resolve));
        let holding!: () => void;
        const held = new Promise<void>((resolve) => (holding = resolve));
        // The first run: this test process, on its own connection, holding the lock until told.
        const first = migrationStoreFor(dialect).withLock(t.db, async () => {
          holding();
          await released;
        });
        await held;
        try {
          const status = await runCli(['migrate', 'status', '--json', '--url', t.url], { cwd: project.dir });
          assert.equal(status.code, 0, status.stderr);
          const lock = JSON.parse(status.stdout).lock;
          assert.equal(lock.pid, process.pid);
          assert.equal(lock.host, hostname());
          assert.equal(lock.command, 'lockstep migrate');
          assert.ok(Date.now() - Date.parse(lock.since) < 60_000, lock.since);
          const text = await runCli(['migrate', 'status', '--url', t.url], { cwd: project.dir });
          assert.match(text.stdout, new RegExp(`lock: held by lockstep migrate \\(pid ${process.pid} on ${hostname()}`));

          const started = Date.now();
          const second = await runCli(['migrate', 'up', '--lock-timeout', '1s', '--url', t.url], { cwd: project.dir });
          const elapsed = Date.now() - started;
          assert.equal(second.code, 2, second.stdout + second.stderr);
          assert.match(second.stderr, new RegExp(`waiting for the migration lock, held by lockstep migrate \\(pid ${process.pid} on ${hostname()}`));
          assert.match(second.stderr, new RegExp(`gave up waiting for the migration lock after 1 s: it is held by lockstep migrate \\(pid ${process.pid} on ${hostname()}.*holding it since `));
          assert.doesNotMatch(second.stderr, /\n\s+at /);
          // Wall time includes starting the CLI through tsx (slow on a loaded machine); without --lock-timeout it would wait 10 minutes.
          assert.ok(elapsed < 90_000, `gave up after ${elapsed} ms`);
          const bad = await runCli(['migrate', 'up', '--lock-timeout', 'soon', '--url', t.url], { cwd: project.dir });
          assert.equal(bad.code, 2);
          assert.match(bad.stderr, /--lock-timeout expects a duration like 2s, 500ms or 1m, got "soon"/);
        } finally {
          release();
          await first;
        }
        assert.equal((await migrationStatus(t.db, migrations)).lock, null);
        const after = await runCli(['migrate', 'up', '--lock-timeout', '1s', '--url', t.url], { cwd: project.dir });
        assert.equal(after.code, 0, after.stderr);
        const free = await runCli(['migrate', 'status', '--url', t.url], { cwd: project.dir });
        assert.match(free.stdout, /lock: free/);
      } finally {
        project.dispose();
        await t.dispose();
      }
    });
  });
}
