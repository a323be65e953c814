import type { ColumnType } from '../../core/model.js';
import { identifierName, SQLITE_KEYWORDS, type Token, tokenizeSqlite } from './sqlite-lexer.js';

/**
 * Canonical spellings for SQLite schema text, so that equivalent declarations compare
 * equal as strings in the pure diff engine. SQLite keeps the text the user wrote, so
 * `VARCHAR( 20 )` and `varchar(20)`, or `CHECK ("qty" > 0)` and `check (qty>0)`, must be
 * brought to one spelling here. Canonical text is also what lockstep writes back into
 * generated DDL, so it must stay valid SQL with the same meaning.
 */

/** Words after which `-`/`+` is a sign, not a binary operator. */
const SIGN_CONTEXT = new Set(['and', 'or', 'not', 'when', 'then', 'else', 'case', 'between', 'in', 'is', 'like', 'glob', 'select', 'where', 'return', 'default', 'by', 'on', 'set', 'values']);

/**
 * Re-prints an expression or query: whitespace and comments dropped, keywords and bare
 * identifiers lower-cased (SQLite identifiers are case-insensitive), literals kept
 * exactly, one canonical spacing. A quoted identifier is unquoted only when it names one
 * of `columns`: SQLite reads a double-quoted word that names no column as a string, so
 * unquoting anything else could change the meaning of generated DDL.
 *
 * @example
 * canonicalExpression('LENGTH( "Qty"  )>0', ['qty']) // → 'length(qty) > 0'
 */
export function canonicalExpression(text: string, columns: readonly string[] = []): string {
  return printTokens(tokenizeSqlite(text), columns);
}

export function printTokens(tokens: Token[], columns: readonly string[] | 'all' = []): string {
  const known = columns === 'all' ? 'all' : new Set(columns.map((c) => c.toLowerCase()));
  let out = '';
  let prev: Token | undefined;
  let prevUnary = false;
  for (const token of tokens) {
    const text = printToken(token, known);
    const unary = token.kind === 'op' && (token.text === '-' || token.text === '+') && isSignPosition(prev);
    if (prev !== undefined && needsSpace(prev, token, prevUnary)) out += ' ';
    out += text;
    prev = token;
    prevUnary = unary;
  }
  return out;
}

function isSignPosition(prev: Token | undefined): boolean {
  if (prev === undefined) return true;
  if (prev.kind === 'op') return true;
  if (prev.kind === 'punct') return prev.text === '(' || prev.text === ',';
  return prev.kind === 'word' && SIGN_CONTEXT.has(prev.text.toLowerCase());
}

function needsSpace(prev: Token, token: Token, prevUnary: boolean): boolean {
  if (prevUnary) return false;
  if (token.kind === 'punct') return false; // no space before ( ) , ; .
  if (prev.kind === 'punct' && (prev.text === '(' || prev.text === '.')) return false;
  return true;
}

function printToken(token: Token, columns: Set<string> | 'all'): string {
  if (token.kind === 'word') return token.text.toLowerCase();
  if (token.kind === 'quoted') {
    const name = identifierName(token);
    const lower = name.toLowerCase();
    if ((columns === 'all' || columns.has(lower)) && /^[a-z_][a-z0-9_]*$/.test(lower) && !SQLITE_KEYWORDS.has(lower)) return lower;
    return `"${name.replace(/"/g, '""')}"`;
  }
  if (token.kind === 'blob') return token.text.toLowerCase();
  return token.text;
}

/** Drops parentheses that wrap the whole expression: `((a > 0))` → `a > 0`. */
export function stripOuterParens(tokens: Token[]): Token[] {
  let t = tokens;
  while (t.length >= 2 && t[0]!.text === '(' && t[t.length - 1]!.text === ')' && t[0]!.kind === 'punct') {
    let depth = 0;
    let wraps = true;
    for (let i = 0; i < t.length - 1; i++) {
      if (t[i]!.kind !== 'punct') continue;
      if (t[i]!.text === '(') depth++;
      else if (t[i]!.text === ')') depth--;
      if (depth === 0) {
        wraps = false;
        break;
      }
    }
    if (!wraps) break;
    t = t.slice(1, -1);
  }
  return t;
}

/** Canonical expression with redundant outer parentheses removed. */
export function canonicalBareExpression(text: string, columns: readonly string[] = []): string {
  return printTokens(stripOuterParens(tokenizeSqlite(text)), columns);
}

/**
 * Canonical default: SQLite reports the default as written (`'x'`, `CURRENT_TIMESTAMP`,
 * `datetime('now')` for `DEFAULT (datetime('now'))`); keywords are lower-cased, outer
 * parentheses dropped, literals kept exactly (`'1'` and `1` are different defaults).
 */
export function canonicalDefault(text: string | null): string | null {
  if (text === null) return null;
  return canonicalBareExpression(text);
}

/** True when a canonical default may follow DEFAULT without parentheses. */
export function isLiteralDefault(text: string): boolean {
  const tokens = tokenizeSqlite(text);
  const body = tokens.length === 2 && tokens[0]!.kind === 'op' && /^[-+]$/.test(tokens[0]!.text) ? tokens.slice(1) : tokens;
  if (body.length !== 1) return false;
  const t = body[0]!;
  if (t.kind === 'number') return true;
  if (tokens.length !== 1) return false;
  if (t.kind === 'string' || t.kind === 'blob') return true;
  return t.kind === 'word' && ['null', 'true', 'false', 'current_time', 'current_date', 'current_timestamp'].includes(t.text.toLowerCase());
}

/** True when a default is constant, as ALTER TABLE ADD COLUMN requires. */
export function isConstantDefault(text: string | null): boolean {
  if (text === null) return true;
  return isLiteralDefault(text) && !/^current_/.test(text);
}

/**
 * Type aliases folded to one spelling. Choices (SQLite decides behaviour by type affinity
 * plus one exact-name rule):
 * - `character varying` → `varchar`, `int8` → `bigint`, `int2` → `smallint`,
 *   `bool` → `boolean`, `float8` → `double precision`, `float4` → `real`,
 *   `decimal` → `numeric`: same affinity, same meaning, different spelling.
 * - `int4` → `integer` except on a sole primary-key column: only a column declared exactly
 *   `INTEGER PRIMARY KEY` is an alias of the rowid, so `int4 primary key` and
 *   `integer primary key` really are different tables there.
 * - `int` and `integer` are never folded for the same reason (and `int` is what users
 *   write on purpose to avoid the rowid alias).
 */
const TYPE_ALIASES: Record<string, string> = {
  'character varying': 'varchar',
  int8: 'bigint',
  int2: 'smallint',
  bool: 'boolean',
  float8: 'double precision',
  float4: 'real',
  decimal: 'numeric',
};

const CHARACTER_TYPES = new Set(['varchar', 'char', 'character', 'nchar', 'nvarchar', 'varying character', 'native character', 'text', 'clob']);

/**
 * Canonical column type: lower-cased, whitespace collapsed, aliases folded, and a
 * `collate <name>` suffix when the column declares a collation (the model has no
 * collation field, and a rebuild must not lose one).
 *
 * @example
 * canonicalType('VARCHAR( 20 )', { soleKey: false }) // → 'varchar(20)'
 */
export function canonicalType(declared: string, options: { soleKey: boolean; collation?: string | null }): string {
  const tokens = tokenizeSqlite(declared);
  const open = tokens.findIndex((t) => t.kind === 'punct' && t.text === '(');
  const nameTokens = open === -1 ? tokens : tokens.slice(0, open);
  let base = nameTokens.map((t) => identifierName(t).toLowerCase()).join(' ');
  if (TYPE_ALIASES[base] !== undefined) base = TYPE_ALIASES[base]!;
  if (base === 'int4' && !options.soleKey) base = 'integer';
  let type = base;
  if (open !== -1) type += printTokens(tokens.slice(open)).replace(/\s+/g, '');
  if (options.collation) type += ` collate ${options.collation.toLowerCase()}`;
  return type;
}

/** Splits a canonical type into the model's parts. */
export function typeParts(type: string): ColumnType {
  const withoutCollate = type.replace(/ collate \S+$/, '');
  const match = /^([^(]*)(?:\((.*)\))?$/.exec(withoutCollate);
  const base = (match?.[1] ?? withoutCollate).trim();
  const numbers = (match?.[2] ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
    .map(Number);
  const parts: ColumnType = { base, length: null, precision: null, scale: null, arrayDimensions: 0 };
  if (numbers.some((n) => !Number.isFinite(n))) return parts;
  if (CHARACTER_TYPES.has(base) && numbers.length === 1) parts.length = numbers[0]!;
  else if (numbers.length >= 1) {
    parts.precision = numbers[0]!;
    parts.scale = numbers[1] ?? null;
  }
  return parts;
}
