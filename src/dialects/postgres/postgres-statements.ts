import type { SqlStatement } from '../dialect.js';
import { parsePostgres, scanPostgres } from './postgres-parser.js';

interface Range {
  /** Character offsets into the script. */
  start: number;
  end: number;
}

/**
 * Splits a PostgreSQL script into statements with PostgreSQL's own parser, so dollar-quoted
 * function bodies, `DO` blocks, `BEGIN ATOMIC … END` bodies, quoted `;` and comments are
 * handled exactly as the server does. Each `sql` is the exact text of the script at
 * `offset` (its first token, after any comments), without the closing `;`.
 *
 * A script that does not parse is still split (at top-level `;` tokens) rather than
 * rejected: the statements before the broken one run, and the server then reports the
 * syntax error with a position that `runScript` turns into `file:line`.
 *
 * @example
 * splitPostgresStatements('-- users\ncreate table a (id int);\nselect 1;')
 * // → [{ sql: 'create table a (id int)', line: 2, offset: 9 }, { sql: 'select 1', line: 3, offset: 34 }]
 */
export function splitPostgresStatements(source: string): SqlStatement[] {
  const scanned = scanTokens(source, new ByteOffsets(source));
  const { script, commands, tokens } = blankPsqlCommands(source, scanned);
  // Blanking keeps character offsets; the parser counts UTF-8 bytes of the blanked text.
  const bytes = new ByteOffsets(script);
  let ranges: Range[];
  try {
    ranges = parsePostgres(script).map((stmt) => {
      const start = bytes.toChar(stmt.location);
      const end = stmt.length ? bytes.toChar(stmt.location + stmt.length) : script.length;
      return { start, end };
    });
  } catch {
    ranges = tokens ? splitAtSemicolons(tokens, script.length) : [{ start: 0, end: script.length }];
  }
  const statements: SqlStatement[] = [];
  for (const range of ranges) {
    const start = tokens ? firstTokenStart(tokens, range) : skipBlank(script, range.start, range.end);
    if (start === null) continue;
    let end = range.end;
    while (end > start && /\s/.test(script[end - 1]!)) end--;
    if (script[end - 1] === ';' && !tokens) end--;
    const sql = script.slice(start, end);
    if (sql.trim() === '') continue;
    statements.push({ sql, offset: start, line: lineOf(script, start) });
  }
  if (commands.length === 0) return statements;
  return [...statements, ...commands].sort((a, b) => a.offset - b.offset);
}

/**
 * psql meta-commands that only set psql's own state: a schema file may carry them (every
 * `pg_dump` since 15.14/16.10/17.6 wraps its output in `\restrict KEY` … `\unrestrict KEY`),
 * and lockstep skips them. Any other meta-command (`\i`, `\copy`, `\if`, `\gexec` …)
 * stands for SQL lockstep cannot see, so it is returned as a statement marked `psqlCommand`.
 */
const SETTINGS_ONLY_COMMANDS = new Set(['restrict', 'unrestrict', 'set', 'unset', 'pset', 'echo', 'qecho', 'encoding', 'connect', 'c', 'timing', 'x', 'a', 't', 'o', 'warn']);

/** A line whose first character is a backslash followed by a command name. */
const PSQL_COMMAND_LINE = /^\\([A-Za-z]+|[!?])[^\n]*$/gm;

/**
 * Blanks psql meta-command lines (a space per character, so offsets and line numbers stay
 * true) and drops their tokens. A backslash starting a line inside a string or a function
 * body is data: only a line whose backslash PostgreSQL's own scanner reads as a token of
 * its own is a command.
 */
function blankPsqlCommands(source: string, tokens: Token[] | null): { script: string; commands: SqlStatement[]; tokens: Token[] | null } {
  if (!tokens || !/^\\/m.test(source)) return { script: source, commands: [], tokens };
  const backslashes = new Set(tokens.filter((t) => t.end === t.start + 1 && source[t.start] === '\\').map((t) => t.start));
  const commands: SqlStatement[] = [];
  const blanked: Range[] = [];
  let script = source;
  for (const match of source.matchAll(PSQL_COMMAND_LINE)) {
    const offset = match.index!;
    if (!backslashes.has(offset)) continue;
    const end = offset + match[0].length;
    script = script.slice(0, offset) + ' '.repeat(match[0].length) + script.slice(end);
    blanked.push({ start: offset, end });
    const name = match[1]!;
    if (!SETTINGS_ONLY_COMMANDS.has(name)) commands.push({ sql: match[0].trimEnd(), offset, line: lineOf(source, offset), psqlCommand: name });
  }
  const kept = blanked.length === 0 ? tokens : tokens.filter((t) => !blanked.some((b) => t.start >= b.start && t.start < b.end));
  return { script, commands, tokens: kept };
}

interface Token extends Range {
  kind: 'comment' | 'semicolon' | 'open' | 'close' | 'other';
}

/** The script's tokens with character offsets, or null when even the scanner fails (e.g. an unterminated string). */
function scanTokens(script: string, bytes: ByteOffsets): Token[] | null {
  try {
    return scanPostgres(script).map((t) => ({
      start: bytes.toChar(t.start),
      end: bytes.toChar(t.end),
      kind:
        t.tokenName === 'SQL_COMMENT' || t.tokenName === 'C_COMMENT'
          ? 'comment'
          : t.text === ';'
            ? 'semicolon'
            : t.text === '('
              ? 'open'
              : t.text === ')'
                ? 'close'
                : 'other',
    }));
  } catch {
    return null;
  }
}

/** Fallback split for scripts the parser rejects: at `;` outside parentheses (CREATE RULE bodies). */
function splitAtSemicolons(tokens: Token[], length: number): Range[] {
  const ranges: Range[] = [];
  let start = 0;
  let depth = 0;
  for (const token of tokens) {
    if (token.kind === 'open') depth++;
    else if (token.kind === 'close') depth = Math.max(0, depth - 1);
    else if (token.kind === 'semicolon' && depth === 0) {
      ranges.push({ start, end: token.start });
      start = token.end;
    }
  }
  ranges.push({ start, end: length });
  return ranges;
}

function firstTokenStart(tokens: Token[], range: Range): number | null {
  for (const token of tokens) {
    if (token.start < range.start) continue;
    if (token.start >= range.end) return null;
    if (token.kind !== 'comment' && token.kind !== 'semicolon') return token.start;
  }
  return null;
}

function skipBlank(script: string, start: number, end: number): number | null {
  let i = start;
  while (i < end && /\s/.test(script[i]!)) i++;
  return i < end ? i : null;
}

function lineOf(script: string, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset; i++) if (script.charCodeAt(i) === 10) line++;
  return line;
}

/** The parser reports UTF-8 byte offsets; JavaScript strings index UTF-16 code units. */
class ByteOffsets {
  private readonly ascii: boolean;
  private readonly charAtByte: Int32Array | null = null;

  constructor(script: string) {
    // eslint-disable-next-line no-control-regex
    this.ascii = /^[\x00-\x7f]*$/.test(script);
    if (this.ascii) return;
    const total = Buffer.byteLength(script, 'utf8');
    const map = new Int32Array(total + 1);
    let byte = 0;
    for (let i = 0; i < script.length; i++) {
      const code = script.codePointAt(i)!;
      const size = code < 0x80 ? 1 : code < 0x800 ? 2 : code < 0x10000 ? 3 : 4;
      for (let k = 0; k < size; k++) map[byte + k] = i;
      byte += size;
      if (code >= 0x10000) i++; // surrogate pair: two code units, one code point
    }
    map[total] = script.length;
    this.charAtByte = map;
  }

  toChar(byteOffset: number): number {
    if (this.ascii || !this.charAtByte) return byteOffset;
    return this.charAtByte[Math.min(byteOffset, this.charAtByte.length - 1)]!;
  }
}
