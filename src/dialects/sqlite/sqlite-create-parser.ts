import { identifierName, isWord, matchingParen, splitTopLevel, type Token, tokenizeSqlite } from './sqlite-lexer.js';

/**
 * Reads the facts SQLite's pragmas do not report out of the CREATE statements kept in
 * `sqlite_master`: CHECK constraints, constraint names, generated-column expressions,
 * AUTOINCREMENT, collations, table options, index expressions and predicates. It is a
 * parser of the column-definition grammar only (https://www.sqlite.org/lang_createtable.html);
 * the database already accepted the text, so it need not report syntax errors.
 */

export interface ParsedColumn {
  name: string;
  collation: string | null;
  generated: { expression: Token[]; stored: boolean } | null;
  autoincrement: boolean;
}

export interface ParsedCheck {
  name: string | null;
  expression: Token[];
}

export interface ParsedTable {
  columns: ParsedColumn[];
  checks: ParsedCheck[];
  /** Named UNIQUE constraints (column- or table-level). */
  uniques: { name: string; columns: string[] }[];
  /** Named FOREIGN KEY constraints (column- or table-level). */
  foreignKeys: { name: string; columns: string[]; table: string }[];
  /** `without rowid`, `strict`. */
  options: string[];
}

const TABLE_CONSTRAINT_START = new Set(['constraint', 'primary', 'unique', 'check', 'foreign']);
const COLUMN_CONSTRAINT_START = new Set(['constraint', 'primary', 'not', 'null', 'unique', 'check', 'default', 'collate', 'references', 'generated', 'as']);

/**
 * @example
 * parseCreateTable('create table t (a int check (a > 0), constraint u unique (a))').checks[0].expression
 */
export function parseCreateTable(sql: string): ParsedTable {
  const tokens = tokenizeSqlite(sql);
  const result: ParsedTable = { columns: [], checks: [], uniques: [], foreignKeys: [], options: [] };
  const open = tokens.findIndex((t) => t.kind === 'punct' && t.text === '(');
  if (open === -1) return result;
  const close = matchingParen(tokens, open);
  const after = tokens.slice(close + 1);
  for (const option of splitTopLevel(after)) {
    const text = option.map((t) => t.text.toLowerCase()).join(' ');
    if (text !== '') result.options.push(text);
  }
  for (const def of splitTopLevel(tokens.slice(open + 1, close))) {
    const first = def[0]!;
    if (first.kind === 'word' && TABLE_CONSTRAINT_START.has(first.text.toLowerCase())) parseTableConstraint(def, result);
    else parseColumn(def, result);
  }
  return result;
}

function parseTableConstraint(def: Token[], result: ParsedTable): void {
  let i = 0;
  let name: string | null = null;
  if (isWord(def[0], 'constraint')) {
    name = identifierName(def[1]!);
    i = 2;
  }
  if (isWord(def[i], 'unique') && name !== null) {
    result.uniques.push({ name, columns: parenNames(def, i + 1) });
  } else if (isWord(def[i], 'check')) {
    result.checks.push({ name, expression: parenBody(def, i + 1) });
  } else if (isWord(def[i], 'foreign') && name !== null) {
    const columns = parenNames(def, i + 2);
    const ref = def.findIndex((t) => isWord(t, 'references'));
    if (ref !== -1) result.foreignKeys.push({ name, columns, table: identifierName(def[ref + 1]!) });
  }
}

function parseColumn(def: Token[], result: ParsedTable): void {
  const column: ParsedColumn = { name: identifierName(def[0]!), collation: null, generated: null, autoincrement: false };
  result.columns.push(column);
  let j = 1;
  // Skip the type name (which may carry a parenthesized length).
  while (j < def.length && !(def[j]!.kind === 'word' && COLUMN_CONSTRAINT_START.has(def[j]!.text.toLowerCase()))) {
    j = def[j]!.text === '(' && def[j]!.kind === 'punct' ? matchingParen(def, j) + 1 || def.length : j + 1;
  }
  let name: string | null = null;
  while (j < def.length) {
    const word = def[j]!.kind === 'word' ? def[j]!.text.toLowerCase() : '';
    if (word === 'constraint') {
      name = identifierName(def[j + 1]!);
      j += 2;
      continue;
    }
    if (word === 'check') {
      result.checks.push({ name, expression: parenBody(def, j + 1) });
      j = matchingParen(def, j + 1) + 1;
    } else if (word === 'default') {
      const value = def[j + 1];
      if (value?.kind === 'punct' && value.text === '(') j = matchingParen(def, j + 1) + 1;
      else j += value?.kind === 'op' ? 3 : 2;
    } else if (word === 'collate') {
      column.collation = identifierName(def[j + 1]!);
      j += 2;
    } else if (word === 'references') {
      if (name !== null) result.foreignKeys.push({ name, columns: [column.name], table: identifierName(def[j + 1]!) });
      j = skipReferences(def, j + 2);
    } else if (word === 'generated' || word === 'as') {
      const openAt = def.findIndex((t, k) => k >= j && t.kind === 'punct' && t.text === '(');
      const closeAt = matchingParen(def, openAt);
      column.generated = { expression: def.slice(openAt + 1, closeAt), stored: isWord(def[closeAt + 1], 'stored') };
      j = closeAt + 1;
    } else if (word === 'unique') {
      if (name !== null) result.uniques.push({ name, columns: [column.name] });
      j++;
    } else {
      if (word === 'autoincrement') column.autoincrement = true;
      j++;
      continue; // part of PRIMARY KEY / NOT NULL / conflict clauses: keep any pending name
    }
    name = null;
  }
}

/** Skips `(cols) ON DELETE … MATCH … DEFERRABLE …` after `REFERENCES table`. */
function skipReferences(def: Token[], j: number): number {
  if (def[j]?.kind === 'punct' && def[j]!.text === '(') j = matchingParen(def, j) + 1;
  for (;;) {
    if (isWord(def[j], 'on')) {
      j += 2;
      j += isWord(def[j], 'set') || isWord(def[j], 'no') ? 2 : 1;
    } else if (isWord(def[j], 'match') || isWord(def[j], 'initially')) j += 2;
    else if (isWord(def[j], 'not') && isWord(def[j + 1], 'deferrable')) j += 2;
    else if (isWord(def[j], 'deferrable')) j += 1;
    else return j;
  }
}

/** Tokens inside the parenthesis that opens at `open`. */
function parenBody(tokens: Token[], open: number): Token[] {
  if (tokens[open]?.text !== '(') return [];
  return tokens.slice(open + 1, matchingParen(tokens, open));
}

/** Column names of a parenthesized list (`(a, "b" collate nocase desc)` → a, b). */
function parenNames(tokens: Token[], open: number): string[] {
  return splitTopLevel(parenBody(tokens, open)).map((item) => identifierName(item[0]!));
}

export interface ParsedIndex {
  /** Each key's tokens without ASC/DESC or COLLATE. */
  keys: Token[][];
  where: Token[] | null;
}

/** Keys and partial predicate of a CREATE INDEX statement. */
export function parseCreateIndex(sql: string): ParsedIndex {
  const tokens = tokenizeSqlite(sql);
  const on = tokens.findIndex((t) => isWord(t, 'on'));
  const open = tokens.findIndex((t, i) => i > on && t.kind === 'punct' && t.text === '(');
  if (on === -1 || open === -1) return { keys: [], where: null };
  const close = matchingParen(tokens, open);
  const keys = splitTopLevel(tokens.slice(open + 1, close)).map((item) => {
    let end = item.length;
    if (isWord(item[end - 1], 'asc') || isWord(item[end - 1], 'desc')) end--;
    if (end >= 2 && isWord(item[end - 2], 'collate')) end -= 2;
    return item.slice(0, end);
  });
  const where = isWord(tokens[close + 1], 'where') ? tokens.slice(close + 2) : null;
  return { keys, where };
}

/** The query of a CREATE VIEW statement (tokens after the top-level AS). */
export function parseCreateView(sql: string): Token[] {
  const tokens = tokenizeSqlite(sql);
  let depth = 0;
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (t.kind === 'punct' && t.text === '(') depth++;
    if (t.kind === 'punct' && t.text === ')') depth--;
    if (depth === 0 && isWord(t, 'as')) return tokens.slice(i + 1);
  }
  return tokens;
}

export interface ParsedVirtualTable {
  /** Module name, lower-cased. */
  module: string;
  /** The text between the parentheses after the module name, trimmed; '' when there are none. */
  arguments: string;
}

/**
 * Module and arguments of a CREATE VIRTUAL TABLE statement; the arguments are kept as
 * written because each module parses them its own way.
 *
 * @example
 * parseCreateVirtualTable("CREATE VIRTUAL TABLE docs USING fts5(title, body, tokenize = 'porter')")
 * // → { module: 'fts5', arguments: "title, body, tokenize = 'porter'" }
 */
export function parseCreateVirtualTable(sql: string): ParsedVirtualTable {
  const tokens = tokenizeSqlite(sql);
  const using = tokens.findIndex((t) => isWord(t, 'using'));
  const moduleToken = tokens[using + 1];
  if (using === -1 || !moduleToken) return { module: '', arguments: '' };
  const open = tokens[using + 2];
  if (open?.kind !== 'punct' || open.text !== '(') return { module: identifierName(moduleToken).toLowerCase(), arguments: '' };
  const close = tokens[matchingParen(tokens, using + 2)];
  return { module: identifierName(moduleToken).toLowerCase(), arguments: sql.slice(open.end, close?.start ?? sql.length).trim() };
}
