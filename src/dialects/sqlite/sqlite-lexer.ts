/**
 * A small SQLite lexer shared by the statement splitter, the CREATE-statement parser and
 * the canonical printer. It knows exactly what SQLite's own tokenizer treats as one unit
 * (quoted strings and identifiers in all four quoting styles, comments, blobs, numbers,
 * parameters), which is all those callers need: none of them has to understand grammar
 * beyond balanced parentheses and a handful of keywords.
 */

export type TokenKind =
  | 'word' // bare identifier or keyword
  | 'quoted' // "ident", [ident] or `ident`
  | 'string' // 'text'
  | 'blob' // x'00ff'
  | 'number'
  | 'param' // ?, ?1, :name, @name, $name
  | 'punct' // ( ) , ; .
  | 'op'; // any operator

export interface Token {
  kind: TokenKind;
  /** Exact source text of the token. */
  text: string;
  /** Offset of the first character in the source. */
  start: number;
  /** Offset just past the last character. */
  end: number;
}

// Character classes by code (the lexer runs over every CREATE statement of a schema).
const isDigit = (code: number) => code >= 48 && code <= 57;
const isWordStart = (code: number) => (code >= 65 && code <= 90) || (code >= 97 && code <= 122) || code === 95 || code >= 128;
const isWordPart = (code: number) => isWordStart(code) || isDigit(code) || code === 36;
const WORD_PART = { test: (c: string) => isWordPart(c.charCodeAt(0)) };
const TWO_CHAR_OPS = new Set(['||', '<<', '>>', '<=', '>=', '==', '!=', '<>', '->']);

/**
 * Splits SQLite text into tokens, skipping whitespace and comments. Never throws: an
 * unterminated string or comment runs to the end of the input (the database reports it).
 *
 * @example
 * tokenizeSqlite("select 'a;b' -- c").map((t) => t.text) // → ['select', "'a;b'"]
 */
export function tokenizeSqlite(sql: string): Token[] {
  const tokens: Token[] = [];
  const n = sql.length;
  let i = 0;
  const push = (kind: TokenKind, start: number, end: number) => tokens.push({ kind, text: sql.slice(start, end), start, end });
  while (i < n) {
    const c = sql[i]!;
    const next = sql[i + 1];
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r' || c === '\f' || c === '\v') {
      i++;
    } else if (c === '-' && next === '-') {
      const eol = sql.indexOf('\n', i);
      i = eol === -1 ? n : eol + 1;
    } else if (c === '/' && next === '*') {
      const close = sql.indexOf('*/', i + 2);
      i = close === -1 ? n : close + 2;
    } else if (c === "'") {
      const end = scanQuoted(sql, i, "'");
      push('string', i, end);
      i = end;
    } else if (c === '"' || c === '`') {
      const end = scanQuoted(sql, i, c);
      push('quoted', i, end);
      i = end;
    } else if (c === '[') {
      const close = sql.indexOf(']', i + 1);
      const end = close === -1 ? n : close + 1;
      push('quoted', i, end);
      i = end;
    } else if ((c === 'x' || c === 'X') && next === "'") {
      const end = scanQuoted(sql, i + 1, "'");
      push('blob', i, end);
      i = end;
    } else if (isDigit(sql.charCodeAt(i)) || (c === '.' && isDigit(sql.charCodeAt(i + 1)))) {
      let j = i;
      if (c === '0' && (next === 'x' || next === 'X')) {
        j += 2;
        while (j < n && /[0-9A-Fa-f_]/.test(sql[j]!)) j++;
      } else {
        while (j < n && /[0-9_]/.test(sql[j]!)) j++;
        if (sql[j] === '.') {
          j++;
          while (j < n && /[0-9_]/.test(sql[j]!)) j++;
        }
        if ((sql[j] === 'e' || sql[j] === 'E') && /[-+0-9]/.test(sql[j + 1] ?? '')) {
          j += 2;
          while (j < n && /[0-9]/.test(sql[j]!)) j++;
        }
      }
      push('number', i, j);
      i = j;
    } else if (isWordStart(sql.charCodeAt(i))) {
      let j = i + 1;
      while (j < n && isWordPart(sql.charCodeAt(j))) j++;
      push('word', i, j);
      i = j;
    } else if (c === '?') {
      let j = i + 1;
      while (j < n && /[0-9]/.test(sql[j]!)) j++;
      push('param', i, j);
      i = j;
    } else if ((c === ':' || c === '@' || c === '$') && next !== undefined && WORD_PART.test(next)) {
      let j = i + 1;
      while (j < n && WORD_PART.test(sql[j]!)) j++;
      push('param', i, j);
      i = j;
    } else if (c === '(' || c === ')' || c === ',' || c === ';' || c === '.') {
      push('punct', i, i + 1);
      i++;
    } else {
      const two = sql.slice(i, i + 2);
      const len = two === '->' && sql[i + 2] === '>' ? 3 : TWO_CHAR_OPS.has(two) ? 2 : 1;
      push('op', i, i + len);
      i += len;
    }
  }
  return tokens;
}

/** End offset of a quoted run starting at `start` (doubled quote = escaped quote). */
function scanQuoted(sql: string, start: number, quote: string): number {
  let j = start + 1;
  for (;;) {
    const close = sql.indexOf(quote, j);
    if (close === -1) return sql.length;
    if (sql[close + 1] === quote) {
      j = close + 2;
      continue;
    }
    return close + 1;
  }
}

/** True when the token is the bare keyword `word` (case-insensitive). */
export function isWord(token: Token | undefined, word: string): boolean {
  return token !== undefined && token.kind === 'word' && token.text.toLowerCase() === word;
}

/** The identifier a word or quoted token names, without quotes. */
export function identifierName(token: Token): string {
  if (token.kind === 'quoted' || token.kind === 'string') {
    const body = token.text.slice(1, -1);
    if (token.text[0] === '[') return body;
    const q = token.text[0]!;
    return body.split(q + q).join(q);
  }
  return token.text;
}

/** Index of the `)` that closes the `(` at `open`, or -1. */
export function matchingParen(tokens: Token[], open: number): number {
  let depth = 0;
  for (let i = open; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (t.kind !== 'punct') continue;
    if (t.text === '(') depth++;
    else if (t.text === ')' && --depth === 0) return i;
  }
  return -1;
}

/** Splits a token run at top-level commas. */
export function splitTopLevel(tokens: Token[]): Token[][] {
  const parts: Token[][] = [[]];
  let depth = 0;
  for (const t of tokens) {
    if (t.kind === 'punct' && t.text === '(') depth++;
    if (t.kind === 'punct' && t.text === ')') depth--;
    if (depth === 0 && t.kind === 'punct' && t.text === ',') parts.push([]);
    else parts[parts.length - 1]!.push(t);
  }
  return parts.filter((p) => p.length > 0);
}

/**
 * SQLite's keywords (https://www.sqlite.org/lang_keywords.html). A quoted identifier is
 * printed bare in canonical text only when it is not one of these, so canonical text
 * always runs.
 */
export const SQLITE_KEYWORDS = new Set(
  (
    'abort action add after all alter always analyze and as asc attach autoincrement before begin between by ' +
    'cascade case cast check collate column commit conflict constraint create cross current current_date ' +
    'current_time current_timestamp database default deferrable deferred delete desc detach distinct do drop ' +
    'each else end escape except exclude exclusive exists explain fail filter first following for foreign from ' +
    'full generated glob group groups having if ignore immediate in index indexed initially inner insert instead ' +
    'intersect into is isnull join key last left like limit match materialized natural no not nothing notnull ' +
    'null nulls of offset on or order others outer over partition plan pragma preceding primary query raise ' +
    'range recursive references regexp reindex release rename replace restrict returning right rollback row ' +
    'rows savepoint select set table temp temporary then ties to transaction trigger unbounded union unique ' +
    'update using vacuum values view virtual when where window with without'
  ).split(' '),
);

/** Quotes an identifier for SQLite: `"name"`, doubling embedded quotes. */
export function quoteSqliteIdentifier(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}
