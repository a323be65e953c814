// Queries in application code are read in the project's dialect: SQLite's lexer first
// rewrites SQLite-only forms (`INSERT OR REPLACE`, backquoted names, `?1`) into the
// same-length PostgreSQL text (queries/sqlite.ts), then PostgreSQL's parser, the one real
// SQL parser lockstep has, walks it. A query neither accepts is skipped.
import type { DialectName } from '../core/model.js';
import { type PgNode, parsePostgres } from '../dialects/postgres/postgres-parser.js';
import { queryAsPostgres } from './queries/index.js';

/**
 * Table and column references in one SQL text, found by parsing it with libpg-query.
 * Offsets are character offsets into the text given.
 */
export interface SqlTableReference {
  table: string;
  offset: number;
  /** The statement writes the table: INSERT INTO / UPDATE / DELETE FROM it. */
  write?: boolean;
}

export interface SqlColumnReference {
  column: string;
  /** Tables the column may belong to: the qualifier's table, else every table of the FROM scope. */
  tables: string[];
  /** true when the column was written with a table or alias qualifier. */
  qualified: boolean;
  offset: number;
  /** The statement writes the column: an INSERT column list, UPDATE … SET, ON CONFLICT DO UPDATE SET. */
  write?: boolean;
}

export interface SqlReferences {
  tables: SqlTableReference[];
  columns: SqlColumnReference[];
}

const SQL_HINT = /\b(select|insert|update|delete|returning|with)\s/i;

/** Cheap pre-check before a parse: does the text look like a query at all? */
export function looksLikeSql(text: string): boolean {
  return SQL_HINT.test(text) && /\b(from|into|set|returning|values)\b/i.test(text);
}

/**
 * Parses `sql`, written for `dialect`, and returns what it reads and writes, or null when
 * it does not parse (a fragment, or not SQL). Driver placeholders (`?`, `:name`, `@name`)
 * are retried as literals.
 *
 * @example
 * sqlReferences('select config from tenants where id = $1', 'postgres')
 * // { tables: [{ table: 'tenants', offset: 19 }], columns: [{ column: 'config', tables: ['tenants'], qualified: false, offset: 7 }, …] }
 */
export function sqlReferences(sql: string, dialect: DialectName = 'postgres'): SqlReferences | null {
  // libpg-query reports byte offsets: one ASCII stand-in per non-ASCII character keeps
  // bytes and characters aligned (such characters live in strings and comments).
  const ascii = queryAsPostgres(dialect, sql.replace(/[^\x00-\x7f]/g, 'x'));
  for (const candidate of [ascii, replaceDriverPlaceholders(ascii)]) {
    if (candidate === null) continue;
    let statements;
    try {
      statements = parsePostgres(candidate);
    } catch {
      continue;
    }
    const out: SqlReferences = { tables: [], columns: [] };
    for (const s of statements) walkStatement(s.stmt, [], out, candidate);
    return out;
  }
  return null;
}

/** Same-length replacement keeps offsets: `?` → `$` is one char, `:name` → `$name`'s length… so pad. */
function replaceDriverPlaceholders(sql: string): string | null {
  if (!/[?:@]/.test(sql)) return null;
  let out = '';
  let quote: string | null = null;
  for (let i = 0; i < sql.length; i++) {
    const ch = sql[i];
    if (quote) {
      out += ch;
      if (ch === quote) quote = null;
      continue;
    }
    if (ch === "'" || ch === '"') {
      quote = ch;
      out += ch;
    } else if (ch === '?') {
      out += '1'; // a literal keeps the parse valid and the length unchanged
    } else if ((ch === ':' || ch === '@') && /[A-Za-z_]/.test(sql[i + 1] ?? '') && sql[i - 1] !== ':') {
      const name = /^[A-Za-z_0-9]+/.exec(sql.slice(i + 1))![0];
      out += `1${' '.repeat(name.length)}`;
      i += name.length;
    } else out += ch;
  }
  return out;
}

interface Scope {
  /** alias or table name → table name */
  names: Map<string, string>;
  tables: string[];
}

function addRange(node: PgNode, scope: Scope, out: SqlReferences, sql: string): void {
  if (!node || typeof node !== 'object') return;
  if (node.RangeVar) {
    const rv = node.RangeVar;
    const table = rv.relname as string;
    scope.names.set(rv.alias?.aliasname ?? table, table);
    scope.names.set(table, table);
    scope.tables.push(table);
    out.tables.push({ table, offset: tableOffset(sql, rv.location, table) });
  } else if (node.JoinExpr) {
    addRange(node.JoinExpr.larg, scope, out, sql);
    addRange(node.JoinExpr.rarg, scope, out, sql);
  }
}

/** RangeVar.location points at a schema qualifier when there is one: move to the name. */
function tableOffset(sql: string, location: number, table: string): number {
  const at = sql.toLowerCase().indexOf(table.toLowerCase(), location ?? 0);
  return at === -1 ? (location ?? 0) : at;
}

function walkStatement(stmt: PgNode, outer: Scope[], out: SqlReferences, sql: string): void {
  if (!stmt || typeof stmt !== 'object') return;
  const kind = Object.keys(stmt)[0];
  const node = stmt[kind];
  if (!['SelectStmt', 'InsertStmt', 'UpdateStmt', 'DeleteStmt'].includes(kind)) {
    walkExpression(stmt, outer, out, sql);
    return;
  }
  const scope: Scope = { names: new Map(), tables: [] };
  const scopes = [...outer, scope];
  // CTEs first: their names become tables of this scope, with no schema behind them.
  for (const cte of node.withClause?.ctes ?? []) walkStatement(cte.CommonTableExpr?.ctequery, outer, out, sql);
  const relation = node.relation;
  if (relation) {
    addRange({ RangeVar: relation }, scope, out, sql);
    // The target of INSERT/UPDATE/DELETE is written (SELECT has no `relation`).
    out.tables[out.tables.length - 1]!.write = true;
  }
  for (const from of node.fromClause ?? []) {
    if (from.RangeSubselect) walkStatement(from.RangeSubselect.subquery, outer, out, sql);
    else addRange(from, scope, out, sql);
    if (from.JoinExpr?.quals) walkExpression(from.JoinExpr.quals, scopes, out, sql);
  }
  for (const using of node.usingClause ?? []) addRange(using, scope, out, sql);
  if (kind === 'InsertStmt' && relation) {
    for (const col of node.cols ?? []) {
      const target = col.ResTarget;
      if (target?.name) out.columns.push({ column: target.name, tables: [relation.relname], qualified: true, offset: nameOffset(sql, target.location, target.name), write: true });
    }
    walkStatement(node.selectStmt, outer, out, sql);
    for (const elem of node.onConflictClause?.infer?.indexElems ?? []) {
      if (elem.IndexElem?.name) out.columns.push({ column: elem.IndexElem.name, tables: [relation.relname], qualified: true, offset: nameOffset(sql, undefined, elem.IndexElem.name) });
    }
    for (const target of node.onConflictClause?.targetList ?? []) {
      if (target.ResTarget?.name) out.columns.push({ column: target.ResTarget.name, tables: [relation.relname], qualified: true, offset: nameOffset(sql, target.ResTarget.location, target.ResTarget.name), write: true });
      walkExpression(target.ResTarget?.val, scopes, out, sql);
    }
  }
  if (kind === 'UpdateStmt' && relation) {
    for (const target of node.targetList ?? []) {
      if (target.ResTarget?.name) out.columns.push({ column: target.ResTarget.name, tables: [relation.relname], qualified: true, offset: nameOffset(sql, target.ResTarget.location, target.ResTarget.name), write: true });
      walkExpression(target.ResTarget?.val, scopes, out, sql);
    }
  } else {
    for (const target of node.targetList ?? []) walkExpression(target, scopes, out, sql);
  }
  for (const key of ['whereClause', 'havingClause', 'groupClause', 'sortClause', 'returningList', 'distinctClause', 'valuesLists']) {
    walkExpression(node[key], scopes, out, sql);
  }
  // UNION / INTERSECT / EXCEPT branches
  if (node.larg) walkStatement({ SelectStmt: node.larg }, outer, out, sql);
  if (node.rarg) walkStatement({ SelectStmt: node.rarg }, outer, out, sql);
}

function walkExpression(node: PgNode, scopes: Scope[], out: SqlReferences, sql: string): void {
  if (Array.isArray(node)) {
    for (const item of node) walkExpression(item, scopes, out, sql);
    return;
  }
  if (!node || typeof node !== 'object') return;
  for (const [key, value] of Object.entries(node)) {
    if (key === 'SelectStmt' || key === 'InsertStmt' || key === 'UpdateStmt' || key === 'DeleteStmt') {
      walkStatement({ [key]: value }, scopes, out, sql);
    } else if (key === 'ColumnRef') {
      columnRef(value as PgNode, scopes, out, sql);
    } else if (value && typeof value === 'object') {
      walkExpression(value, scopes, out, sql);
    }
  }
}

function columnRef(ref: PgNode, scopes: Scope[], out: SqlReferences, sql: string): void {
  const fields = (ref.fields ?? []).map((f: PgNode) => f.String?.sval ?? (f.A_Star ? '*' : null));
  const column = fields[fields.length - 1];
  if (!column || column === '*') return;
  if (fields.length >= 2) {
    const qualifier = fields[fields.length - 2];
    for (let i = scopes.length - 1; i >= 0; i--) {
      const table = scopes[i].names.get(qualifier);
      if (table) {
        out.columns.push({ column, tables: [table], qualified: true, offset: nameOffset(sql, ref.location, column, true) });
        return;
      }
    }
    out.columns.push({ column, tables: [qualifier], qualified: true, offset: nameOffset(sql, ref.location, column, true) });
    return;
  }
  // An unqualified column belongs to the innermost scope that has tables (correlated subqueries look outward).
  const tables = [...scopes].reverse().find((s) => s.tables.length > 0)?.tables ?? [];
  out.columns.push({ column, tables: [...new Set(tables)], qualified: false, offset: nameOffset(sql, ref.location, column) });
}

/** Offset of `name` at or after `location` (qualified refs point at the qualifier). */
function nameOffset(sql: string, location: number | undefined, name: string, qualified = false): number {
  const from = location ?? 0;
  if (!qualified) {
    if (sql.slice(from, from + name.length + 2).replace(/"/g, '').toLowerCase().startsWith(name.toLowerCase())) return from;
  }
  const pattern = new RegExp(`(?<![A-Za-z0-9_])"?${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}"?(?![A-Za-z0-9_])`, 'i');
  const match = pattern.exec(sql.slice(from));
  return match ? from + match.index : from;
}
