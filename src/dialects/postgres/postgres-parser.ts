import { LockstepError } from '../../core/errors.js';
import type { ScanToken } from 'libpg-query';

// libpg-query is PostgreSQL's own parser compiled to WebAssembly; it must be instantiated
// once before its synchronous API works. It is development machinery (a worker or a
// probe never parses SQL), so it is imported only when a command first needs it:
// `loadPostgresParser()` (memoized, ~30 ms) is awaited by every entry point that splits
// or parses PostgreSQL SQL, and the parse functions below are synchronous after that.
type LibPgQuery = typeof import('libpg-query');
let libpg: LibPgQuery | undefined;
let loading: Promise<void> | undefined;

/** Loads libpg-query once; parsing and splitting PostgreSQL SQL need it first. */
export function loadPostgresParser(): Promise<void> {
  loading ??= (async () => {
    let mod: LibPgQuery;
    try {
      mod = await import('libpg-query');
    } catch (error) {
      loading = undefined;
      throw new LockstepError('the PostgreSQL parser (package libpg-query) is not installed', {
        cause: error,
        hint: 'It is an optional dependency that commands reading SQL need (check, diff, generate, migrate, lint, rehearse): npm install libpg-query.',
      });
    }
    await mod.loadModule();
    libpg = mod;
  })();
  return loading;
}

function parser(): LibPgQuery {
  if (!libpg) throw new Error('internal: the PostgreSQL parser is not loaded; await loadPostgresParser() (or dialect.loadParser()) first');
  return libpg;
}

/**
 * libpg-query's AST is a deep tree of tagged objects (`{ AlterTableStmt: {…} }`). Its
 * generated types are exact but verbose; callers only walk a handful of node kinds, so
 * they read them through this loose alias and check each field they use.
 */
export type PgNode = any;

export interface PgParsedStatement {
  /** The statement node, e.g. `{ IndexStmt: {…} }`. */
  stmt: PgNode;
  /** Byte offset of the statement in the parsed text. */
  location: number;
  /** Byte length, or undefined for the last statement. */
  length: number | undefined;
}

/** Thrown for SQL the PostgreSQL parser rejects; `position` is a 0-based byte offset. */
export class PgSyntaxError extends Error {
  constructor(
    message: string,
    readonly position: number | undefined,
  ) {
    super(message);
  }
}

/**
 * Parses SQL with the real PostgreSQL parser (libpg-query).
 *
 * @example
 * parsePostgres('select config from tenants')[0].stmt.SelectStmt.fromClause;
 */
export function parsePostgres(sql: string): PgParsedStatement[] {
  let result: PgNode;
  try {
    result = parser().parseSync(sql);
  } catch (error) {
    const details = (error as { sqlDetails?: { message: string; cursorPosition: number } }).sqlDetails;
    throw new PgSyntaxError(details?.message ?? (error as Error).message, details?.cursorPosition);
  }
  return ((result.stmts ?? []) as PgNode[]).map((s) => ({
    stmt: s.stmt,
    location: s.stmt_location ?? 0,
    length: s.stmt_len || undefined,
  }));
}

/**
 * The tokens of `sql` as PostgreSQL's scanner sees them (comments included), with byte
 * offsets. Throws when even the scanner fails, e.g. on an unterminated string.
 *
 * @example
 * scanPostgres('select 1; -- done').map((t) => t.text); // ['select', '1', ';', '-- done']
 */
export function scanPostgres(sql: string): ScanToken[] {
  return parser().scanSync(sql).tokens;
}

/** Names of a `names: [{ String: { sval } }]` list (type names, qualified names). */
export function stringList(list: PgNode[] | undefined): string[] {
  return (list ?? []).map((n: PgNode) => n?.String?.sval).filter((s: unknown): s is string => typeof s === 'string');
}

/** Converts a byte offset in `text` (libpg-query reports UTF-8 offsets) to a string index. */
export function byteToCharOffset(text: string, byteOffset: number): number {
  // Fast path: ASCII text has identical byte and character offsets.
  if (/^[\x00-\x7f]*$/.test(text)) return byteOffset;
  return Buffer.from(text, 'utf8').subarray(0, byteOffset).toString('utf8').length;
}
