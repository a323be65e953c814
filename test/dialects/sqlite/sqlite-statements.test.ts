import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { scriptStatementsSqlite, splitSqliteStatements } from '../../../src/dialects/sqlite/sqlite-statements.js';

describe('splitSqliteStatements', () => {
  test('splits at top-level semicolons with exact text, offsets and lines', () => {
    const script = 'create table a (x);\n-- a comment; with a semicolon\n\n  insert into a values (1);\n/* c; */ select 2';
    const statements = splitSqliteStatements(script);
    assert.deepEqual(
      statements.map((s) => [s.sql, s.line]),
      [
        ['create table a (x)', 1],
        ['insert into a values (1)', 4],
        ['select 2', 5],
      ],
    );
    for (const s of statements) assert.equal(script.slice(s.offset, s.offset + s.sql.length), s.sql);
  });

  test('semicolons inside strings, identifiers and comments do not split', () => {
    const script = `insert into "a;b" ([c;d], \`e;f\`) values ('x;''y', "z;");\nselect '--;' /* ; */ ;`;
    const statements = splitSqliteStatements(script);
    assert.equal(statements.length, 2);
    assert.equal(statements[0]!.sql, `insert into "a;b" ([c;d], \`e;f\`) values ('x;''y', "z;")`);
    assert.equal(statements[1]!.sql, "select '--;'"); // a trailing comment is not part of the statement
    assert.equal(statements[1]!.line, 2);
  });

  test('a trigger body with CASE … END stays one statement', () => {
    const script = [
      'create table t (a int, b int);',
      'CREATE TEMP TRIGGER IF NOT EXISTS tr AFTER INSERT ON t',
      'WHEN new.a > 0',
      'BEGIN',
      "  update t set b = case when new.a > 1 then 2 else 1 end where rowid = new.rowid;",
      '  insert into t values (0, 0);',
      'END;',
      'select 1;',
    ].join('\n');
    const statements = splitSqliteStatements(script);
    assert.deepEqual(
      statements.map((s) => s.line),
      [1, 2, 8],
    );
    assert.ok(statements[1]!.sql.startsWith('CREATE TEMP TRIGGER'));
    assert.ok(statements[1]!.sql.endsWith('END'));
  });

  test('empty statements, whitespace and comment-only scripts give nothing', () => {
    assert.deepEqual(splitSqliteStatements(' ;; -- only a comment\n/* and this */ ;'), []);
  });

  test('an unterminated string runs to the end (the database reports it)', () => {
    const statements = splitSqliteStatements("select 1; select 'oops; select 2");
    assert.equal(statements.length, 2);
    assert.equal(statements[1]!.sql, "select 'oops; select 2");
  });
});

describe('scriptStatementsSqlite (schema scripts as `sqlite3 app.db .schema` prints them)', () => {
  test('leaves out the tables SQLite makes itself: sqlite_sequence, sqlite_stat*, and the shadow tables of a virtual table created before', () => {
    const script = [
      'CREATE TABLE t(id integer primary key autoincrement, x text);',
      'CREATE VIRTUAL TABLE docs USING fts5(title, body)',
      '/* docs(title,body) */;',
      "CREATE TABLE IF NOT EXISTS 'docs_data'(id INTEGER PRIMARY KEY, block BLOB);",
      "CREATE TABLE IF NOT EXISTS 'docs_config'(k PRIMARY KEY, v) WITHOUT ROWID;",
      'CREATE TABLE docs_tags(id integer primary key, tag text);',
      'CREATE TABLE "notes_content"(id integer primary key);',
      'CREATE TABLE sqlite_sequence(name,seq);',
      'CREATE TABLE sqlite_stat1(tbl,idx,stat);',
      'CREATE TABLE sqlite_stat4(tbl,idx,neq,nlt,ndlt,sample);',
    ].join('\n');
    assert.deepEqual(
      scriptStatementsSqlite(script).map((s) => [s.sql, s.line]),
      [
        ['CREATE TABLE t(id integer primary key autoincrement, x text)', 1],
        ['CREATE VIRTUAL TABLE docs USING fts5(title, body)', 2],
        // Not a shadow-table suffix of fts5, and no virtual table "notes": the user's own tables.
        ['CREATE TABLE docs_tags(id integer primary key, tag text)', 6],
        ['CREATE TABLE "notes_content"(id integer primary key)', 7],
      ],
    );
  });
});
