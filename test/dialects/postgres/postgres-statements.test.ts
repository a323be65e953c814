import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { splitPostgresStatements } from '../../../src/dialects/postgres/postgres-statements.js';
import { loadPostgresParser } from '../../../src/dialects/postgres/postgres-parser.js';

before(() => loadPostgresParser());

/** Every statement's `sql` must be the script's own text at `offset`, on `line`. */
function assertExact(script: string) {
  const statements = splitPostgresStatements(script);
  for (const s of statements) {
    assert.equal(script.slice(s.offset, s.offset + s.sql.length), s.sql);
    assert.equal(script.slice(0, s.offset).split('\n').length, s.line);
  }
  return statements;
}

describe('splitPostgresStatements', () => {
  test('splits plain statements, skipping comments, with 1-based lines', () => {
    const script = '-- users\ncreate table a (id int);\n\n/* block\n comment */ select 1;\nselect 2';
    const statements = assertExact(script);
    assert.deepEqual(
      statements.map((s) => [s.sql, s.line]),
      [
        ['create table a (id int)', 2],
        ['select 1', 5],
        ['select 2', 6],
      ],
    );
  });

  test('keeps dollar-quoted bodies, DO blocks and BEGIN ATOMIC bodies whole', () => {
    const script = [
      'create function f() returns int language plpgsql as $fn$',
      'begin',
      '  perform 1; -- a ; inside',
      '  return 2;',
      'end $fn$;',
      "do $$ begin raise notice 'a;b'; end $$;",
      'create function g() returns int language sql begin atomic select 1; select 2; end;',
      "select ';' as semi, $tag$ ; $tag$ as other;",
    ].join('\n');
    const statements = assertExact(script);
    assert.equal(statements.length, 4);
    assert.match(statements[0]!.sql, /^create function f\(\)[\s\S]*end \$fn\$$/);
    assert.equal(statements[1]!.line, 6);
    assert.equal(statements[2]!.sql, 'create function g() returns int language sql begin atomic select 1; select 2; end');
    assert.equal(statements[3]!.line, 8);
  });

  test('offsets are character offsets even after multi-byte text', () => {
    const script = "insert into t values ('é€ü');\n  select '日本';\nselect 3;";
    const statements = assertExact(script);
    assert.deepEqual(
      statements.map((s) => s.sql),
      ["insert into t values ('é€ü')", "select '日本'", 'select 3'],
    );
    assert.equal(statements[1]!.offset, script.indexOf("select '日本'"));
  });

  test('a script with a syntax error is still split so the server can report it in place', () => {
    const script = 'create table a (id int);\n\nselec 1 from a;\ncreate table b (id int);';
    const statements = assertExact(script);
    assert.deepEqual(
      statements.map((s) => [s.sql, s.line]),
      [
        ['create table a (id int)', 1],
        ['selec 1 from a', 3],
        ['create table b (id int)', 4],
      ],
    );
  });

  test('an unterminated string becomes one statement from its first token', () => {
    const script = "\n\nselect 'abc";
    const statements = assertExact(script);
    assert.deepEqual(statements, [{ sql: "select 'abc", offset: 2, line: 3 }]);
  });

  test("psql's settings-only meta-commands (pg_dump's \\restrict … \\unrestrict) are skipped; others are marked, not sent as SQL", () => {
    const script = [
      '--',
      '-- PostgreSQL database dump',
      '--',
      '',
      '\\restrict bz5RekshUuEOiyoY4k4yOaxBFRPtWjs8xolucFVT1yccYzVLobO2CcDA9Mv5uf7',
      "SET client_encoding = 'UTF8';",
      '\\set ON_ERROR_STOP on',
      'create function f() returns text language sql as $$',
      '\\restrict inside a body is data',
      '$$;',
      "select E'it\\'s\n\\i not-a-command';",
      '\\i other.sql',
      'create table t (id int); -- after a line of multi-byte text:',
      '\\echo héllo wörld ✓',
      "select 'ü';",
      '\\unrestrict bz5RekshUuEOiyoY4k4yOaxBFRPtWjs8xolucFVT1yccYzVLobO2CcDA9Mv5uf7',
      '',
    ].join('\n');
    const statements = assertExact(script);
    assert.deepEqual(
      statements.map((s) => [s.sql.split('\n')[0], s.line, s.psqlCommand]),
      [
        ["SET client_encoding = 'UTF8'", 6, undefined],
        ['create function f() returns text language sql as $$', 8, undefined],
        ["select E'it\\'s", 11, undefined],
        ['\\i other.sql', 13, 'i'],
        ['create table t (id int)', 14, undefined],
        ["select 'ü'", 16, undefined],
      ],
    );
    assert.match(statements[1]!.sql, /\\restrict inside a body is data/);
  });

  test('empty and comment-only scripts have no statements', () => {
    assert.deepEqual(splitPostgresStatements(''), []);
    assert.deepEqual(splitPostgresStatements('-- nothing\n/* here */\n;;'), []);
  });
});
