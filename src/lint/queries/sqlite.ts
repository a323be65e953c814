import { isWord, tokenizeSqlite } from '../../dialects/sqlite/sqlite-lexer.js';

const CONFLICT = new Set(['replace', 'ignore', 'abort', 'fail', 'rollback']);

/**
 * A query of a SQLite application, read with SQLite's own lexer and written in the
 * PostgreSQL grammar lint walks, character for character the same length so offsets still
 * point into the source: `` `t` `` and `[t]` become `"t"`, `INSERT OR REPLACE INTO` becomes
 * `INSERT INTO`, `REPLACE INTO` becomes `INSERT  INTO`, `==` becomes `=`, `GLOB` becomes
 * `LIKE`, `INDEXED BY i` / `NOT INDEXED` are blanked, and every parameter (`?`, `?1`,
 * `:name`, `@name`, `$name`) becomes a literal. What it reads and writes is unchanged.
 *
 * @example
 * sqliteQueryAsPostgres('insert or replace into `tenants` (config) values (?)');
 * // 'insert            into "tenants" (config) values (1)'
 */
export function sqliteQueryAsPostgres(sql: string): string {
  const out = sql.split('');
  const put = (start: number, text: string) => {
    for (let k = 0; k < text.length; k++) out[start + k] = text[k]!;
  };
  const blank = (start: number, end: number) => put(start, ' '.repeat(end - start));
  const tokens = tokenizeSqlite(sql);
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    const previous = tokens[i - 1];
    const statementStart = previous === undefined || previous.text === ';' || previous.text === '(';
    if (t.kind === 'quoted' && (t.text[0] === '`' || t.text[0] === '[')) {
      put(t.start, '"');
      put(t.end - 1, '"');
    } else if (t.kind === 'param') {
      if (/^\?\d+$/.test(t.text)) put(t.start, '$');
      else put(t.start, `1${' '.repeat(t.text.length - 1)}`);
    } else if (t.kind === 'op' && t.text === '==') {
      put(t.start, '= ');
    } else if (isWord(t, 'glob')) {
      put(t.start, 'like');
    } else if (isWord(t, 'replace') && statementStart && isWord(tokens[i + 1], 'into')) {
      put(t.start, 'insert ');
    } else if ((isWord(previous, 'insert') || isWord(previous, 'update')) && isWord(t, 'or') && tokens[i + 1] && CONFLICT.has(tokens[i + 1]!.text.toLowerCase())) {
      blank(t.start, tokens[i + 1]!.end);
      i++;
    } else if (isWord(t, 'indexed') && isWord(tokens[i + 1], 'by') && tokens[i + 2]) {
      blank(t.start, tokens[i + 2]!.end);
      i += 2;
    } else if (isWord(t, 'not') && isWord(tokens[i + 1], 'indexed')) {
      blank(t.start, tokens[i + 1]!.end);
      i++;
    }
  }
  return out.join('');
}
