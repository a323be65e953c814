import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { isLockstepError } from '../../src/core/errors.js';
import { compareVersions, readMigrationsFolder } from '../../src/migrations/migration-folder.js';
import { makeProject } from './helpers.js';

/** Reads `files` as a migrations folder; returns [version, name, up file, down file] per migration. */
function layout(files: Record<string, string>): string[][] {
  const project = makeProject(Object.fromEntries(Object.entries(files).map(([path, text]) => [`migrations/${path}`, text])));
  try {
    return readMigrationsFolder(join(project.dir, 'migrations')).map((m) => [
      m.version,
      m.name,
      m.upPath.slice(project.dir.length + 'migrations/'.length + 1),
      m.downPath ? m.downPath.slice(project.dir.length + 'migrations/'.length + 1) : '',
    ]);
  } finally {
    project.dispose();
  }
}

/** The LockstepError readMigrationsFolder throws for `files`. */
function refusal(files: Record<string, string>): Error {
  const project = makeProject(Object.fromEntries(Object.entries(files).map(([path, text]) => [`migrations/${path}`, text])));
  try {
    readMigrationsFolder(join(project.dir, 'migrations'));
  } catch (error) {
    assert.ok(isLockstepError(error), `expected a LockstepError, got ${String(error)}`);
    assert.equal(error.exitCode, 2);
    return error;
  } finally {
    project.dispose();
  }
  assert.fail('the folder was read without an error');
}

const sha = (text: string) => createHash('sha256').update(text).digest('hex');

describe('migrations folder layouts', () => {
  test("diesel's <yyyy-mm-dd-hhmmss>_<name>/up.sql + down.sql: the version is the timestamp digits", () => {
    assert.deepEqual(
      layout({
        '.keep': '',
        '00000000000000_diesel_initial_setup/up.sql': 'select 1;',
        '00000000000000_diesel_initial_setup/down.sql': 'select 1;',
        '2021-02-02-101010_create_users/up.sql': 'create table users (id integer primary key);',
        '2021-02-02-101010_create_users/down.sql': 'drop table users;',
        '2021-02-10-090000_create_posts/up.sql': 'create table posts (id integer primary key);',
        '2021-02-10-090000_create_posts/down.sql': 'drop table posts;',
        '2021-02-10-090000_create_posts/metadata.toml': 'run_in_transaction = true\n',
      }),
      [
        ['00000000000000', 'diesel_initial_setup', '00000000000000_diesel_initial_setup/up.sql', '00000000000000_diesel_initial_setup/down.sql'],
        ['20210202101010', 'create_users', '2021-02-02-101010_create_users/up.sql', '2021-02-02-101010_create_users/down.sql'],
        ['20210210090000', 'create_posts', '2021-02-10-090000_create_posts/up.sql', '2021-02-10-090000_create_posts/down.sql'],
      ],
    );
  });

  test("diesel's metadata.toml run_in_transaction = false makes a no-transaction migration", () => {
    const project = makeProject({
      'migrations/2021-02-02-101010_index/up.sql': 'create index concurrently i on t (a);',
      'migrations/2021-02-02-101010_index/metadata.toml': '# built by hand\nrun_in_transaction = false\n',
    });
    try {
      const [migration] = readMigrationsFolder(join(project.dir, 'migrations'));
      assert.equal(migration.noTransaction, true);
    } finally {
      project.dispose();
    }
  });

  test('pop / golang-migrate <v>_<name>.up.sql and .down.sql pairs: the name has no .up', () => {
    assert.deepEqual(
      layout({
        '20240101120000_create_users.up.sql': 'create table users (id integer primary key);',
        '20240101120000_create_users.down.sql': 'drop table users;',
        '20240102090000_add_phone.up.sql': 'alter table users add column phone text;',
      }),
      [
        ['20240101120000', 'create_users', '20240101120000_create_users.up.sql', '20240101120000_create_users.down.sql'],
        ['20240102090000', 'add_phone', '20240102090000_add_phone.up.sql', ''],
      ],
    );
  });

  test('the layouts supported before keep their versions and names (history rows stay valid)', () => {
    assert.deepEqual(
      layout({
        '001_users/up.sql': 'select 1;',
        '001_users/down.sql': 'select 1;',
        '002_posts.sql': 'select 2;',
        '002_posts.down.sql': 'select 2;',
        'V3__tags.sql': 'select 3;',
        'V0004__more.sql': 'select 4;',
      }),
      [
        ['001', 'users', '001_users/up.sql', '001_users/down.sql'],
        ['002', 'posts', '002_posts.sql', '002_posts.down.sql'],
        ['3', 'tags', 'V3__tags.sql', ''],
        ['0004', 'more', 'V0004__more.sql', ''],
      ],
    );
  });

  test('an entry lockstep cannot read is an error naming it and the accepted layouts', () => {
    for (const files of <Record<string, string>[]>[
      { 'init/up.sql': 'select 1;' },
      { 'notes.txt': 'todo' },
      { '001_x.up.fizz': 'create_table("x")' },
      { 'R__views.sql': 'create view v as select 1;' },
      { 'create_users.sql': 'select 1;' },
    ]) {
      const error = refusal({ '001_ok/up.sql': 'select 1;', ...files });
      const entry = Object.keys(files)[0].split('/')[0];
      assert.match(error.message, new RegExp(`migrations/${entry.replace(/\./g, '\\.')}`), error.message);
      const hint = (error as { hint?: string }).hint ?? '';
      for (const accepted of ['<version>_<name>/up.sql', 'YYYY-MM-DD-HHMMSS_<name>/up.sql', '<version>_<name>.up.sql', 'V<version>__<name>.sql']) {
        assert.ok(hint.includes(accepted), `hint names ${accepted}: ${hint}`);
      }
    }
  });

  test('a migration folder without up.sql, and a down without its up, are errors', () => {
    assert.match(refusal({ '2021-02-02-101010_x/down.sql': 'select 1;' }).message, /2021-02-02-101010_x: migration folder has no up\.sql/);
    assert.match(refusal({ '001_x.down.sql': 'select 1;' }).message, /001_x\.down\.sql: a down migration without its up migration/);
  });
});

describe('Flyway versions', () => {
  test('compare as dotted numbers: V1 < V1.1 < V1.2 < V1.10 < V2, and V1.1 is not V11', () => {
    const migrations = layout({
      'V2__four.sql': 'select 4;',
      'V1.10__three.sql': 'select 3;',
      'V1__zero.sql': 'select 0;',
      'V1.1__one.sql': 'select 1;',
      'V1_2__two.sql': 'select 2;',
      'V11__five.sql': 'select 5;',
    });
    assert.deepEqual(
      migrations.map((m) => [m[0], m[1]]),
      [['1', 'zero'], ['1.1', 'one'], ['1.2', 'two'], ['1.10', 'three'], ['2', 'four'], ['11', 'five']],
    );
  });

  test("Flyway's undo U<version>__<name>.sql is the down migration of V<version>", () => {
    assert.deepEqual(layout({ 'V1.1__users.sql': 'select 1;', 'U1.1__users.sql': 'select 2;' }), [['1.1', 'users', 'V1.1__users.sql', 'U1.1__users.sql']]);
  });

  test('compareVersions orders plain and dotted versions numerically', () => {
    const sorted = ['10', '2', '1.10', '1.1', '1', '20240101120000', '0003', '1.2'].sort(compareVersions);
    assert.deepEqual(sorted, ['1', '1.1', '1.2', '1.10', '2', '0003', '10', '20240101120000']);
    assert.equal(compareVersions('001', '1'), 0);
    assert.ok(compareVersions('1.1', '11') < 0);
  });
});

describe('checksums', () => {
  test('line endings and a BOM do not change the checksum; a real edit does; down.sql has its own', () => {
    const read = (up: string, down: string) => {
      const project = makeProject({ 'migrations/001_users/up.sql': up, 'migrations/001_users/down.sql': down });
      try {
        return readMigrationsFolder(join(project.dir, 'migrations'))[0];
      } finally {
        project.dispose();
      }
    };
    const lf = read('create table users (id integer);\ncreate index u on users (id);\n', 'drop table users;\n');
    const crlf = read('create table users (id integer);\r\ncreate index u on users (id);\r\n', 'drop table users;\r\n');
    const bom = read('\uFEFFcreate table users (id integer);\r\ncreate index u on users (id);\r\n', '\uFEFFdrop table users;\n');
    assert.equal(lf.checksum, sha('create table users (id integer);\ncreate index u on users (id);\n'), 'an LF file keeps the checksum it had before');
    assert.equal(crlf.checksum, lf.checksum);
    assert.equal(bom.checksum, lf.checksum);
    assert.equal(crlf.downChecksum, lf.downChecksum);
    assert.equal(bom.downChecksum, lf.downChecksum);
    assert.equal(lf.downChecksum, sha('drop table users;\n'));
    assert.ok(!bom.up.startsWith('\uFEFF'), 'the BOM is not part of the script');

    const edited = read('create table users (id integer, x int);\ncreate index u on users (id);\n', 'drop table users;\n');
    assert.notEqual(edited.checksum, lf.checksum);
    const downEdited = read('create table users (id integer);\ncreate index u on users (id);\n', 'drop table if exists users;\n');
    assert.equal(downEdited.checksum, lf.checksum);
    assert.notEqual(downEdited.downChecksum, lf.downChecksum);
  });
});
