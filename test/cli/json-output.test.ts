import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { runCliInProcess } from '../helpers/cli.js';
import { createTestDatabase, DIALECTS, testPgUrl } from '../helpers/databases.js';
import { makeProject, writeMigration } from '../migrations/helpers.js';

const cleanups: Array<() => unknown> = [];
after(async () => {
  for (const fn of cleanups.reverse()) await fn();
});

/** Runs a command with --json and parses stdout, which must be JSON and nothing else. */
async function json(args: string[], cwd: string, expectedCode = 0): Promise<any> {
  const r = await runCliInProcess([...args, '--json'], { cwd, env: { LOCKSTEP_DEV_URL: testPgUrl() } });
  assert.equal(r.code, expectedCode, `${args.join(' ')}: ${r.stderr}`);
  try {
    return JSON.parse(r.stdout);
  } catch {
    assert.fail(`${args.join(' ')} --json printed something other than JSON:\n${r.stdout}`);
  }
}

for (const dialect of DIALECTS) {
  describe(`--json on ${dialect}`, () => {
    test('migrate up, verify and down', { timeout: 120_000 }, async () => {
      const t = await createTestDatabase(dialect);
      cleanups.push(() => t.dispose());
      const p = makeProject({ 'lockstep.config.json': JSON.stringify({ url: t.url }) });
      cleanups.push(() => p.dispose());
      writeMigration(p, '001_users', 'create table users (id integer primary key);', 'drop table users;');
      writeMigration(p, '002_posts', 'create table posts (id integer primary key);', 'drop table posts;');

      const up = await json(['migrate', 'up'], p.dir);
      assert.equal(up.ok, true);
      assert.equal(up.dialect, dialect);
      assert.equal(up.direction, 'up');
      assert.deepEqual(
        up.results.map((r: any) => [r.version, r.name, r.status, r.error]),
        [
          ['001', 'users', 'applied', null],
          ['002', 'posts', 'applied', null],
        ],
      );
      assert.equal(typeof up.results[0].durationMs, 'number');
      assert.deepEqual((await json(['migrate', 'up'], p.dir)).results, [], 'nothing to do');

      const verified = await json(['migrate', 'verify'], p.dir);
      assert.deepEqual(verified, { ok: true, dialect, database: verified.database, migrations: 2, problems: [] });

      writeMigration(p, '003_broken', 'create table nope (id integer primary key);\ninsert into missing_table values (1);');
      const failed = await json(['migrate', 'up'], p.dir, 1);
      assert.equal(failed.ok, false);
      assert.equal(failed.results[0].status, 'failed');
      assert.match(failed.results[0].error, /missing_table/);

      p.write('migrations/001_users/up.sql', 'create table users (id integer primary key, name text);');
      const edited = await json(['migrate', 'verify'], p.dir, 1);
      assert.equal(edited.ok, false);
      assert.deepEqual(
        edited.problems.map((x: any) => [x.kind, x.version]),
        [['checksum-mismatch', '001']],
      );
      p.write('migrations/001_users/up.sql', 'create table users (id integer primary key);');
      p.write('migrations/003_broken/up.sql', 'create table fine (id integer primary key);');

      const down = await json(['migrate', 'down', '--steps', '1'], p.dir);
      assert.equal(down.ok, true);
      assert.deepEqual(
        down.results.map((r: any) => [r.version, r.direction, r.status]),
        [['002', 'down', 'applied']],
      );
    });

    test('generate', { timeout: 180_000 }, async () => {
      const p = makeProject({
        'lockstep.config.json': JSON.stringify({ url: dialect === 'sqlite' ? 'sqlite:app.db' : testPgUrl() }),
        'schema.sql': 'create table users (id integer primary key, email text not null);\n',
      });
      cleanups.push(() => p.dispose());
      const first = await json(['generate', 'create_users'], p.dir);
      assert.equal(first.status, 'written');
      assert.match(first.dir, /^migrations\/\d+_create_users$/);
      assert.deepEqual(first.files, [`${first.dir}/up.sql`, `${first.dir}/down.sql`]);
      assert.deepEqual(
        first.changes.map((c: any) => c.kind),
        ['table.missing'],
      );
      const again = await json(['generate', 'again'], p.dir);
      assert.deepEqual(again, { status: 'nothing-to-do', dir: null, version: null, files: [], empty: false, changes: [], renames: [] });
      const blank = await json(['generate', 'backfill', '--empty'], p.dir);
      assert.equal(blank.status, 'written');
      assert.equal(blank.empty, true);
    });

    test('jobs install, enqueue, retry and cancel', { timeout: 120_000 }, async () => {
      const t = await createTestDatabase(dialect);
      cleanups.push(() => t.dispose());
      const p = makeProject({ 'lockstep.config.json': JSON.stringify({ url: t.url }) });
      cleanups.push(() => p.dispose());
      const installed = await json(['jobs', 'install'], p.dir);
      assert.equal(installed.changed, true);
      assert.equal(installed.from, null);
      assert.equal(typeof installed.to, 'number');
      assert.deepEqual(await json(['jobs', 'install'], p.dir), { from: installed.to, to: installed.to, changed: false });

      const enqueued = await json(['jobs', 'enqueue', 'sync', '--unchecked', '--payload', '{"sku":"A-1"}', '--key', 'k1'], p.dir);
      assert.equal(enqueued.created, true);
      assert.equal(enqueued.job.task, 'sync');
      assert.equal(enqueued.job.state, 'queued');
      assert.equal(enqueued.job.key, 'k1');
      const duplicate = await json(['jobs', 'enqueue', 'sync', '--unchecked', '--key', 'k1'], p.dir);
      assert.deepEqual([duplicate.created, duplicate.job.id], [false, enqueued.job.id]);

      const cancelled = await json(['jobs', 'cancel', String(enqueued.job.id)], p.dir);
      assert.deepEqual([cancelled.id, cancelled.state], [enqueued.job.id, 'cancelled']);
      const retried = await json(['jobs', 'retry', String(enqueued.job.id)], p.dir);
      assert.deepEqual([retried.id, retried.state], [enqueued.job.id, 'queued']);
    });
  });
}
