/**
 * Finds where in a SQL script a table or a foreign key is declared, so problems found
 * after the script ran (an introspected schema, a database error without a position)
 * can still be reported as `file:line`. Text search over the dialect's own statement
 * split: good enough for the `CREATE TABLE` / `ALTER TABLE` statements a schema file
 * or migration declares, and never used to decide anything, only to point.
 */
import type { Dialect, SqlStatement } from '../dialects/dialect.js';

export interface ScriptFile {
  /** Path as it should appear in messages. */
  file: string;
  script: string;
}

export interface ScriptLocation {
  file: string;
  line: number;
  statement: SqlStatement;
}

const ident = (name: string) => `(?:"${escape(name)}"|\`${escape(name)}\`|\\[${escape(name)}\\]|${escape(name)}(?![\\w$]))`;
const qualifiedIdent = (name: string) => `(?:(?:"[^"]+"|[\\w$]+)\\s*\\.\\s*)?${ident(name)}`;

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Statements of `table` that create or alter it: `CREATE TABLE t …`, `ALTER TABLE t …`. */
function tableStatements(dialect: Dialect, source: ScriptFile, table: string): SqlStatement[] {
  const head = new RegExp(`^\\s*(?:create\\s+(?:(?:global|local)\\s+)?(?:temp(?:orary)?\\s+|unlogged\\s+)?table\\s+(?:if\\s+not\\s+exists\\s+)?|alter\\s+table\\s+(?:if\\s+exists\\s+)?(?:only\\s+)?)${qualifiedIdent(table)}`, 'i');
  return dialect.splitStatements(source.script).filter((s) => head.test(stripLeadingComments(s.sql)));
}

/** Line of the `CREATE TABLE` of `table`, the first statement that creates it. */
export function locateTable(dialect: Dialect, sources: ScriptFile[], table: string): ScriptLocation | undefined {
  for (const source of sources) {
    const statement = tableStatements(dialect, source, table).find((s) => /^\s*create/i.test(stripLeadingComments(s.sql)));
    if (statement) return { file: source.file, line: statement.line, statement };
  }
  return undefined;
}

/**
 * Line of the `REFERENCES target` clause that declares the foreign key from
 * `table(columns)`; else the first `REFERENCES target` of that table.
 * Later sources win (a migration that re-declares the key is the one that counts).
 */
export function locateForeignKey(dialect: Dialect, sources: ScriptFile[], table: string, columns: string[], target: string): ScriptLocation | undefined {
  let exact: ScriptLocation | undefined;
  let loose: ScriptLocation | undefined;
  const references = new RegExp(`references\\s+${qualifiedIdent(target)}`, 'gi');
  for (const source of sources) {
    for (const statement of tableStatements(dialect, source, table)) {
      const start = statementStart(source.script, statement);
      for (const match of statement.sql.matchAll(references)) {
        const clause = clauseBefore(statement.sql, match.index!);
        const location = { file: source.file, line: lineAt(source.script, start + match.index!), statement };
        loose ??= location;
        if (columns.every((c) => new RegExp(`(^|[^\\w$])${ident(c)}`, 'i').test(clause))) exact = location;
      }
    }
  }
  return exact ?? loose;
}

/**
 * The column definition or table constraint that ends at `end`: back to the previous comma
 * or opening parenthesis at the same depth (so `numeric(10,2)` does not cut it short).
 */
export function clauseBefore(sql: string, end: number): string {
  let depth = 0;
  for (let i = end - 1; i >= 0; i--) {
    const ch = sql[i];
    if (ch === ')') depth++;
    else if (ch === '(') {
      if (depth === 0) return sql.slice(i + 1, end);
      depth--;
    } else if (ch === ',' && depth === 0) return sql.slice(i + 1, end);
  }
  return sql.slice(0, end);
}

/** 1-based line of a character offset. */
export function lineAt(script: string, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset && i < script.length; i++) if (script.charCodeAt(i) === 10) line++;
  return line;
}

function statementStart(script: string, statement: SqlStatement): number {
  const exact = script.indexOf(statement.sql, statement.offset);
  return exact >= 0 ? exact : statement.offset;
}

function stripLeadingComments(sql: string): string {
  return sql.replace(/^(\s*(--[^\n]*\n|\/\*[\s\S]*?\*\/))*/, '');
}
