import type { SqlStatement } from '../dialect.js';
import { isWord, type Token, tokenizeSqlite } from './sqlite-lexer.js';

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
