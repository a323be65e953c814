import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createTestDatabase, DIALECTS } from '../helpers/databases.js';
import { runCli } from '../helpers/cli.js';
import { makeProject, writeMigration } from './helpers.js';

/** A statement that keeps the database busy for a few hundred ms, to widen the race window. */
const slow = (dialect: string) =>
  dialect === 'postgres' ? 'select pg_sleep(0.5);' : 'with recursive n(i) as (select 1 union all select i + 1 from n where i < 2500000) select count(*) from n;';

for (const dialect of DIALECTS) {
  describe(`migrate CLI on ${dialect}`, () => {
    test('5 concurrent `migrate up` apply each migration exactly once; the others have nothing to do', async () => {
      const t = await createTestDatabase(dialect);
      const project = makeProject();
      try {
        writeMigration(project, '001_effects', 'create table side_effects (migration text not null);');
        for (const v of ['002', '003', '004', '005']) {
          writeMigration(project, `${v}_step`, `insert into side_effects (migration) values ('${v}');\n${slow(dialect)}\ncreate table t${v} (id integer primary key);`);
        }
        const runs = await Promise.all(Array.from({ length: 5 }, () => runCli(['migrate', 'up', '--url', t.url], { cwd: project.dir })));
        for (const r of runs) assert.equal(r.code, 0, r.stderr + r.stdout);
        const effects = (await t.db.query<{ migration: string }>('select migration from side_effects order by migration')).rows.map((r) => r.migration);
        assert.deepEqual(effects, ['002', '003', '004', '005']);
        const history = (await t.db.query<{ version: string }>('select version from lockstep_migrations order by version')).rows.map((r) => r.version);
        assert.deepEqual(history, ['001', '002', '003', '004', '005']);
        const appliedLines = runs.flatMap((r) => r.stdout.split('\n').filter((l) => l.startsWith('applied ')));
        assert.equal(appliedLines.length, 5, runs.map((r) => r.stdout).join('\n---\n'));
        assert.equal(runs.filter((r) => r.stdout.includes('nothing to do')).length, 4);
        assert.ok(runs.some((r) => r.stderr.includes('waiting for the migration lock, held by lockstep migrate (pid ')), 'the runs really overlapped');
      } finally {
        project.dispose();
        await t.dispose();
      }
    });

    test('exit codes and output: up, status, verify, down, failures', async () => {
      const t = await createTestDatabase(dialect);
      const project = makeProject();
      const cli = (...args: string[]) => runCli([...args, '--url', t.url], { cwd: project.dir });
      try {
        writeMigration(project, '001_users', 'create table users (id integer primary key);', 'drop table users;');
        writeMigration(project, '002_bad', 'create table ok_before (id integer primary key);\ninsert into users (id) values (1), (1);', 'drop table ok_before;');

        let r = await cli('migrate', 'up');
        assert.equal(r.code, 1);
        assert.match(r.stdout, /^applied  001_users  \d+ ms$/m);
        assert.match(r.stdout, /^failed   002_bad/m);
        assert.match(r.stdout, /002_bad\/up\.sql:2: /);
        assert.doesNotMatch(r.stdout, /\u001b\[/, 'no escape codes when stdout is not a TTY');

        r = await cli('migrate', 'status', '--json');
        assert.equal(r.code, 0, r.stderr);
        const status = JSON.parse(r.stdout);
        assert.equal(status.current, '001');
        assert.deepEqual(status.migrations.map((m: { state: string }) => m.state), ['applied', 'pending']);

        writeMigration(project, '002_bad', 'create table ok_before (id integer primary key);', 'drop table ok_before;');
        r = await cli('migrate', 'up');
        assert.equal(r.code, 0, r.stderr);
        assert.match(r.stdout, /^applied  002_bad/m);
        r = await cli('migrate', 'up');
        assert.equal(r.code, 0);
        assert.match(r.stdout, /nothing to do/);

        writeMigration(project, '001_users', 'create table users (id integer primary key, x int);', 'drop table users;');
        r = await cli('migrate', 'verify');
        assert.equal(r.code, 1);
        assert.match(r.stderr, /migrations\/001_users\/up\.sql was edited after it was applied/);
        r = await cli('migrate', 'status');
        assert.equal(r.code, 1);
        assert.match(r.stdout, /edited +001_users/);
        writeMigration(project, '001_users', 'create table users (id integer primary key);', 'drop table users;');
        r = await cli('migrate', 'verify');
        assert.equal(r.code, 0, r.stderr);

        r = await cli('migrate', 'down', '--steps', '1');
        assert.equal(r.code, 0, r.stderr);
        assert.match(r.stdout, /^reverted 002_bad/m);
        r = await cli('migrate', 'down', '--steps', 'two');
        assert.equal(r.code, 2);
        r = await cli('migrate', 'down', '--steps', '1', '--to', '0');
        assert.equal(r.code, 2);
        r = await cli('migrate', 'up', '--to', '999');
        assert.equal(r.code, 2);
        assert.match(r.stderr, /no migration has version 999/);
        r = await cli('migrate', 'up', '--bogus');
        assert.equal(r.code, 2);
      } finally {
        project.dispose();
        await t.dispose();
      }
    });
  });
}

test('migrate up with an unreachable database exits 2 with a message', async () => {
  const project = makeProject();
  try {
    writeMigration(project, '001_users', 'create table users (id integer primary key);');
    const r = await runCli(['migrate', 'up', '--url', 'postgres://nobody:secret@127.0.0.1:1/none'], { cwd: project.dir });
    assert.equal(r.code, 2);
    assert.doesNotMatch(r.stderr, /secret/);
    assert.match(r.stderr, /error:/);
  } finally {
    project.dispose();
  }
});
