import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { createTestDatabase, DIALECTS } from '../helpers/databases.js';
import { runCli } from '../helpers/cli.js';
import { makeProject, writeMigration } from './helpers.js';

for (const dialect of DIALECTS) {
  describe(`migrate CLI: folder layouts, versions and repair on ${dialect}`, () => {
    test('a diesel folder applies every migration; an entry lockstep cannot read stops the run with exit 2', async () => {
      const t = await createTestDatabase(dialect);
      const project = makeProject({
        'migrations/.keep': '',
        'migrations/2021-02-02-101010_create_users/up.sql': 'create table users (id integer primary key);',
        'migrations/2021-02-02-101010_create_users/down.sql': 'drop table users;',
        'migrations/2021-02-10-090000_create_posts/up.sql': 'create table posts (id integer primary key);',
        'migrations/2021-02-10-090000_create_posts/down.sql': 'drop table posts;',
        'migrations/2021-03-01-000000_create_tags/up.sql': 'create table tags (id integer primary key);',
        'migrations/2021-03-01-000000_create_tags/down.sql': 'drop table tags;',
        'migrations/schema_dump.txt': 'not a migration',
      });
      const cli = (...args: string[]) => runCli([...args, '--url', t.url], { cwd: project.dir });
      try {
        let r = await cli('migrate', 'up');
        assert.equal(r.code, 2, r.stdout + r.stderr);
        assert.match(r.stderr, /migrations\/schema_dump\.txt: not a migration lockstep can read/);
        assert.match(r.stderr, /YYYY-MM-DD-HHMMSS_<name>\/up\.sql/);
        assert.doesNotMatch(r.stdout, /applied/);

        rmSync(join(project.dir, 'migrations', 'schema_dump.txt'));
        r = await cli('migrate', 'up');
        assert.equal(r.code, 0, r.stderr);
        assert.match(r.stdout, /3 migrations applied/);
        r = await cli('migrate', 'status', '--json');
        const status = JSON.parse(r.stdout);
        assert.deepEqual(status.migrations.map((m: { version: string; name: string }) => `${m.version} ${m.name}`), [
          '20210202101010 create_users',
          '20210210090000 create_posts',
          '20210301000000 create_tags',
        ]);
        r = await cli('migrate', 'down', '--to', '20210202101010');
        assert.equal(r.code, 0, r.stderr);
        assert.match(r.stdout, /reverted 20210301000000_create_tags[\s\S]*reverted 20210210090000_create_posts/);
      } finally {
        project.dispose();
        await t.dispose();
      }
    });

    test('Flyway versions apply as dotted numbers: V1, V1.1, V1.2, V1.10, V2, V11', async () => {
      const t = await createTestDatabase(dialect);
      const project = makeProject({ 'migrations/V1__log.sql': "create table log (step text not null);\ninsert into log (step) values ('1');" });
      for (const v of ['1.1', '1.2', '1.10', '2', '11']) project.write(`migrations/V${v}__step.sql`, `insert into log (step) values ('${v}');`);
      try {
        const r = await runCli(['migrate', 'up', '--url', t.url], { cwd: project.dir });
        assert.equal(r.code, 0, r.stderr);
        const applied = r.stdout.split('\n').filter((l) => l.startsWith('applied')).map((l) => l.split(/\s+/)[1]);
        assert.deepEqual(applied, ['1_log', '1.1_step', '1.2_step', '1.10_step', '2_step', '11_step']);
        const history = (await t.db.query<{ version: string }>('select version from lockstep_migrations')).rows.map((x) => x.version).sort();
        assert.deepEqual(history, ['1', '1.1', '1.10', '1.2', '11', '2']);
      } finally {
        project.dispose();
        await t.dispose();
      }
    });

    test('migrate repair: asks for confirmation (--yes off a terminal), records who and when, --json', async () => {
      const t = await createTestDatabase(dialect);
      const project = makeProject();
      const cli = (...args: string[]) => runCli([...args, '--url', t.url], { cwd: project.dir });
      try {
        writeMigration(project, '001_users', 'create table users (id integer primary key);\n', 'drop table users;\n');
        let r = await cli('migrate', 'up');
        assert.equal(r.code, 0, r.stderr);
        r = await cli('migrate', 'repair');
        assert.equal(r.code, 0, r.stderr);
        assert.match(r.stdout, /nothing to repair/);

        writeMigration(project, '001_users', 'create table users (id integer primary key);\r\n', 'drop table if exists users;\n');
        r = await cli('migrate', 'status');
        assert.equal(r.code, 1);
        assert.match(r.stdout, /applied +001_users.*\(down\.sql edited\)/);
        assert.doesNotMatch(r.stdout, /edited +001_users/, 'CRLF in up.sql is not an edit');
        r = await cli('migrate', 'verify');
        assert.equal(r.code, 1);
        assert.match(r.stderr, /001_users\/down\.sql was edited after its migration was applied/);

        r = await cli('migrate', 'repair');
        assert.equal(r.code, 2, r.stdout + r.stderr);
        assert.match(r.stderr, /was not confirmed/);
        assert.match(r.stderr, /--yes/);
        assert.equal((await cli('migrate', 'verify')).code, 1, 'nothing was repaired');

        r = await cli('migrate', 'repair', '--yes', '--json');
        assert.equal(r.code, 0, r.stderr);
        const report = JSON.parse(r.stdout);
        assert.equal(report.ok, true);
        assert.deepEqual(report.repaired.map((e: { version: string; script: string; file: string }) => [e.version, e.script, e.file]), [['001', 'down', 'migrations/001_users/down.sql']]);
        assert.match(report.repairedBy, /@/);
        assert.ok(report.repairedAt);

        r = await cli('migrate', 'verify');
        assert.equal(r.code, 0, r.stderr);
        r = await cli('migrate', 'status', '--json');
        const entry = JSON.parse(r.stdout).migrations[0];
        assert.deepEqual([entry.checksum, entry.downChecksum, entry.repairedBy, entry.repairedAt], ['ok', 'ok', report.repairedBy, report.repairedAt]);

        r = await cli('migrate', 'repair', '--help');
        assert.equal(r.code, 0);
        assert.match(r.stdout, /--yes/);
        assert.match(r.stdout, /--json/);
        r = await runCli(['--help']);
        assert.match(r.stdout, /migrate repair/);
      } finally {
        project.dispose();
        await t.dispose();
      }
    });
  });
}
