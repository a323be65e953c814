import type { SqlStatement } from '../dialect.js';
import { parseCreateVirtualTable } from './sqlite-create-parser.js';
import { identifierName, isWord, type Token, tokenizeSqlite } from './sqlite-lexer.js';

/**
 * Splits a SQLite script into statements at top-level semicolons. Semicolons inside
 * strings, quoted identifiers, comments and `CREATE TRIGGER … BEGIN … END` bodies do not
 * split. Each statement's `sql` is the exact text of the script from its first token to
 * its last (no trailing `;`, leading or trailing comments), so `offset` and `line` point
 * at real script positions for error messages.
 *
 * @example
 * splitSqliteStatements('create table a (x);\n-- note\ninsert into a values (1);')
 * // → [{ sql: 'create table a (x)', line: 1, offset: 0 },
 * //    { sql: 'insert into a values (1)', line: 3, offset: 28 }]
 */
export function splitSqliteStatements(script: string): SqlStatement[] {
  const statements: SqlStatement[] = [];
  let current: Token[] = [];
  // Line counting is incremental: `lineAt` only ever moves forward through the script.
  let lineOffset = 0;
  let line = 1;
  const lineAt = (offset: number) => {
    for (; lineOffset < offset; lineOffset++) if (script.charCodeAt(lineOffset) === 10) line++;
    return line;
  };
  const flush = () => {
    if (current.length === 0) return;
    const start = current[0]!.start;
    statements.push({ sql: script.slice(start, current[current.length - 1]!.end), line: lineAt(start), offset: start });
    current = [];
  };

  let trigger = false;
  let depth = 0; // BEGIN/CASE … END nesting inside a trigger statement
  for (const token of tokenizeSqlite(script)) {
    if (token.kind === 'punct' && token.text === ';' && depth === 0) {
      flush();
      trigger = false;
      continue;
    }
    if (current.length === 0) trigger = false;
    current.push(token);
    if (current.length <= 4 && isWord(token, 'trigger') && isWord(current[0], 'create')) trigger = true;
    if (trigger && token.kind === 'word') {
      const word = token.text.toLowerCase();
      if (word === 'begin' || word === 'case') depth++;
      else if (word === 'end' && depth > 0) depth--;
    }
  }
  flush();
  return statements;
}

/** Shadow-table suffixes of the virtual-table modules that keep their data in tables. */
const SHADOW_SUFFIXES: Record<string, readonly string[]> = {
  fts3: ['content', 'segments', 'segdir', 'docsize', 'stat'],
  fts4: ['content', 'segments', 'segdir', 'docsize', 'stat'],
  fts5: ['data', 'idx', 'content', 'docsize', 'config'],
  rtree: ['node', 'rowid', 'parent'],
  rtree_i32: ['node', 'rowid', 'parent'],
  geopoly: ['node', 'rowid', 'parent'],
};

/** The table a CREATE [TEMP] [VIRTUAL] TABLE statement names (lower-cased, without schema), or null. */
function createdTable(sql: string): { name: string; virtual: boolean } | null {
  const tokens = tokenizeSqlite(sql);
  let i = 0;
  if (!isWord(tokens[i++], 'create')) return null;
  if (isWord(tokens[i], 'temp') || isWord(tokens[i], 'temporary')) i++;
  const virtual = isWord(tokens[i], 'virtual');
  if (virtual) i++;
  if (!isWord(tokens[i++], 'table')) return null;
  if (isWord(tokens[i], 'if')) i += 3; // if not exists
  if (tokens[i + 1]?.text === '.') i += 2; // main.name
  const name = tokens[i];
  return name ? { name: identifierName(name).toLowerCase(), virtual } : null;
}

/**
 * A schema script's statements without the tables SQLite makes itself: `sqlite_sequence`
 * and `sqlite_stat1`…`4`, and the shadow tables of a virtual table the script created
 * before (`docs_data` … of an FTS5 table `docs`). `sqlite3 app.db .schema` prints them
 * all, and creating them is refused ("object name reserved for internal use").
 *
 * @example
 * scriptStatementsSqlite('create table t (id integer primary key autoincrement);\ncreate table sqlite_sequence(name,seq);')
 * // → [{ sql: 'create table t (id integer primary key autoincrement)', line: 1, offset: 0 }]
 */
export function scriptStatementsSqlite(script: string): SqlStatement[] {
  const shadows = new Set<string>();
  return splitSqliteStatements(script).filter((statement) => {
    const table = createdTable(statement.sql);
    if (!table) return true;
    if (table.virtual) {
      for (const suffix of SHADOW_SUFFIXES[parseCreateVirtualTable(statement.sql).module] ?? []) shadows.add(`${table.name}_${suffix}`);
      return true;
    }
    return !/^sqlite_(sequence|stat\d)$/.test(table.name) && !shadows.has(table.name);
  });
}
