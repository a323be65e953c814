import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { getDialect } from '../../src/dialects/index.js';
import { generateMigration } from '../../src/migrations/generate.js';
import { migrateDown } from '../../src/migrations/migrate-down.js';
import { migrateUp } from '../../src/migrations/migrate-up.js';
import { readMigrationsFolder } from '../../src/migrations/migration-folder.js';
import { diffSchemas } from '../../src/core/diff-schemas.js';
import type { RenameHint } from '../../src/dialects/dialect.js';
import type { DialectName, Schema } from '../../src/core/model.js';
import { loadSchemaFile } from '../../src/sources/schema-file-source.js';
import { runCli } from '../helpers/cli.js';
import { createTestDatabase, DIALECTS, testPgUrl } from '../helpers/databases.js';
import { dataFingerprint, introspect, makeProject } from './helpers.js';

const BASE: Record<DialectName, string> = {
  postgres: `create type mood as enum ('happy', 'sad');
create table users (
  id integer primary key,
  email varchar(100) not null,
  name text,
  age integer default 0,
  mood mood
);
create table posts (
  id integer primary key,
  user_id integer not null references users (id),
  title varchar(200) not null,
  body text
);
create index posts_title on posts (title);
`,
  sqlite: `create table users (
  id integer primary key,
  email varchar(100) not null,
  name text,
  age integer default 0
);
create table posts (
  id integer primary key,
  user_id integer not null references users (id),
  title varchar(200) not null,
  body text
);
create index posts_title on posts (title);
`,
};

const SEED: Record<DialectName, string> = {
  postgres: "insert into users values (1, 'a@x.org', 'Ann', 30, 'happy'), (2, 'b@x.org', 'Bob', 40, 'sad'); insert into posts values (10, 1, 'Hello', 'first'), (11, 2, 'World', 'second');",
  sqlite: "insert into users values (1, 'a@x.org', 'Ann', 30), (2, 'b@x.org', 'Bob', 40); insert into posts values (10, 1, 'Hello', 'first'), (11, 2, 'World', 'second');",
};

interface Change {
  name: string;
  edit: (base: string) => string;
  renames?: string[];
  only?: DialectName;
}

const CHANGES: Change[] = [
  { name: 'add_column', edit: (s) => s.replace('  body text\n', '  body text,\n  published boolean not null default false\n') },
  { name: 'drop_column', edit: (s) => s.replace(',\n  body text\n', '\n') },
  { name: 'set_not_null', edit: (s) => s.replace('  name text,', '  name text not null,') },
  { name: 'change_default', edit: (s) => s.replace('age integer default 0', 'age integer default 18') },
  { name: 'change_type', edit: (s) => s.replace('title varchar(200)', 'title varchar(300)') },
  { name: 'fk_on_delete', edit: (s) => s.replace('references users (id)', 'references users (id) on delete cascade') },
  { name: 'add_index', edit: (s) => `${s}create index users_name on users (name);\n` },
  { name: 'add_unique', edit: (s) => s.replace('email varchar(100) not null,', 'email varchar(100) not null unique,') },
  { name: 'add_check', edit: (s) => s.replace('age integer default 0', 'age integer default 0 check (age >= 0)') },
  { name: 'enum_value', only: 'postgres', edit: (s) => s.replace("('happy', 'sad')", "('happy', 'sad', 'meh')") },
  { name: 'rename_column', edit: (s) => s.replace('  name text,', '  full_name text,'), renames: ['users.name=full_name'] },
  {
    name: 'rename_table',
    edit: (s) => s.replace('create table posts', 'create table articles').replace('on posts (title)', 'on articles (title)'),
    renames: ['posts=articles'],
  },
];

for (const dialect of DIALECTS) {
  const devUrl = dialect === 'postgres' ? testPgUrl() : undefined;
  const d = getDialect(dialect);
  const loadDeclared = (dir: string) => () => loadSchemaFile(d, join(dir, 'schema.sql'), { devUrl });

  describe(`generate on ${dialect}`, () => {
    for (const change of CHANGES.filter((c) => !c.only || c.only === dialect)) {
      test(`${change.name}: generate, up, down, up; down restores the earlier schema and rows`, async () => {
        const t = await createTestDatabase(dialect);
        const project = makeProject({ 'schema.sql': BASE[dialect] });
        const migrationsDir = join(project.dir, 'migrations');
        try {
          const init = await generateMigration({ name: 'init', migrationsDir, dialect: d, devUrl, loadDeclared: loadDeclared(project.dir), now: new Date('2024-01-01T00:00:00Z') });
          assert.equal(init.status, 'written');
          assert.equal((await migrateUp(t.db, readMigrationsFolder(migrationsDir))).ok, true);
          await t.db.exec(SEED[dialect]);
          const before = await introspect(t.db);
          const rowsBefore = await dataFingerprint(t.db);

          project.write('schema.sql', change.edit(BASE[dialect]));
          const generated = await generateMigration({ name: change.name, migrationsDir, dialect: d, devUrl, renames: change.renames, loadDeclared: loadDeclared(project.dir), now: new Date('2024-01-02T00:00:00Z') });
          assert.equal(generated.status, 'written');
          assert.ok(generated.changes.length > 0);
          const migrations = readMigrationsFolder(migrationsDir);
          assert.deepEqual(migrations.map((m) => m.version), ['20240101000000', '20240102000000']);
          if (change.renames) assert.match(generated.up!, /rename/i);
          if (change.renames) assert.doesNotMatch(generated.up!, /drop (column|table)/i, 'a confirmed rename is never a drop plus add');

          const declared = await loadSchemaFile(d, join(project.dir, 'schema.sql'), { devUrl });
          for (let round = 0; round < 2; round++) {
            const up = await migrateUp(t.db, migrations);
            assert.equal(up.ok, true, up.error?.message ?? up.results.find((r) => r.error)?.error?.message);
            assert.deepEqual(diffSchemas(declared, await introspect(t.db)).changes, []);
            const rowCount = await t.db.query(`select count(*) as n from "${change.name === 'rename_table' ? 'articles' : 'posts'}"`);
            assert.equal(Number(rowCount.rows[0].n), 2, 'every row survives');

            const down = await migrateDown(t.db, migrations);
            assert.equal(down.ok, true, down.error?.message ?? down.results.find((r) => r.error)?.error?.message);
            assert.deepEqual(diffSchemas(before, await introspect(t.db), { strictNames: true }).changes, []);
            // Dropping a column loses its values; every other change gives back the very same rows.
            if (change.name !== 'drop_column') assert.deepEqual(await dataFingerprint(t.db), rowsBefore);
          }
        } finally {
          project.dispose();
          await t.dispose();
        }
      });
    }

    test('a generated migration that fails its proof is not written, and the message says what differs', async () => {
      const project = makeProject({ 'schema.sql': BASE[dialect] });
      const migrationsDir = join(project.dir, 'migrations');
      try {
        await generateMigration({ name: 'init', migrationsDir, dialect: d, devUrl, loadDeclared: loadDeclared(project.dir) });
        project.write('schema.sql', `${BASE[dialect]}create table tags (id integer primary key, label text);\n`);
        // A planner whose down.sql forgets to drop what up.sql created.
        const forgetful = { ...d, planMigration: (from: Schema, to: Schema, options?: { renames?: RenameHint[] }) => (to.tables.length < from.tables.length ? { statements: [], unsupported: [] } : d.planMigration(from, to, options)) };
        await assert.rejects(
          generateMigration({ name: 'add_tags', migrationsDir, dialect: forgetful, devUrl, loadDeclared: loadDeclared(project.dir) }),
          (error: Error) => /down\.sql does not restore the schema before up\.sql; nothing was written/.test(error.message) && /table tags/.test(error.message),
        );
        assert.deepEqual(readdirSync(migrationsDir).filter((f) => !f.endsWith('_init')), [], 'no migration and no staging folder left behind');
      } finally {
        project.dispose();
      }
    });

    test('nothing to do writes nothing; a possible rename without an answer is refused with the flags to pass', async () => {
      const project = makeProject({ 'schema.sql': BASE[dialect] });
      const cli = (...args: string[]) => runCli([...args, '--url', dialect === 'postgres' ? testPgUrl() : 'sqlite:test.db', ...(devUrl ? ['--dev-url', devUrl] : [])], { cwd: project.dir });
      try {
        let r = await cli('generate', 'init');
        assert.equal(r.code, 0, r.stderr);
        assert.match(r.stdout, /wrote migrations\/\d{14}_init\/up\.sql and migrations\/\d{14}_init\/down\.sql/);
        r = await cli('generate', 'again');
        assert.equal(r.code, 0, r.stderr);
        assert.match(r.stdout, /nothing to do/);
        assert.equal(readdirSync(join(project.dir, 'migrations')).length, 1);

        project.write('schema.sql', BASE[dialect].replace('  name text,', '  full_name text,'));
        r = await cli('generate', 'rename_name');
        assert.equal(r.code, 2);
        assert.match(r.stderr, /possible rename/);
        assert.match(r.stderr, /--rename users\.name=full_name/);
        assert.equal(readdirSync(join(project.dir, 'migrations')).length, 1, 'nothing written');

        r = await cli('generate', 'rename_name', '--drop-and-add');
        assert.equal(r.code, 0, r.stderr);
        const folder = readdirSync(join(project.dir, 'migrations')).find((f) => f.endsWith('_rename_name'))!;
        assert.match(readFileSync(join(project.dir, 'migrations', folder, 'up.sql'), 'utf8'), /drop column/i);

        r = await cli('generate', 'backfill', '--empty');
        assert.equal(r.code, 0, r.stderr);
        assert.equal(readdirSync(join(project.dir, 'migrations')).length, 3);
      } finally {
        project.dispose();
      }
    });
  });
}
