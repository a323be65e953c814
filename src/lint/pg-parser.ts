import { loadModule, parseSync } from 'libpg-query';

/**
 * libpg-query's AST is a deep tree of tagged objects (`{ AlterTableStmt: {…} }`). Its
 * generated types are exact but verbose; lint only walks a handful of node kinds, so it
 * reads them through this loose alias and checks each field it uses.
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

let loading: Promise<void> | undefined;
let loaded = false;

/** Loads the WebAssembly parser once per process; call before `parsePgSync`. */
export async function loadPgParser(): Promise<void> {
  if (loaded) return;
  loading ??= loadModule().then(() => {
    loaded = true;
  });
  await loading;
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
 * Parses SQL with the real PostgreSQL parser (libpg-query). `loadPgParser()` must have
 * resolved first.
 *
 * @example
 * await loadPgParser();
 * parsePgSync('select config from tenants')[0].stmt.SelectStmt.fromClause;
 */
export function parsePgSync(sql: string): PgParsedStatement[] {
  if (!loaded) throw new Error('parsePgSync called before loadPgParser() resolved');
  let result: PgNode;
  try {
    result = parseSync(sql);
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
