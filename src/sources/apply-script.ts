/**
 * Applies a schema file or migration to a scratch database with `runScript`, and turns
 * the database's "relation does not exist" for a `REFERENCES` clause into the same
 * sentence lockstep uses for every foreign-key problem, so PostgreSQL (which rejects the
 * statement) and SQLite (which accepts it and is caught by validateForeignKeys) read alike:
 * `schema.sql:14: content_requests.organization_id references organizations(organization_id), but no table organizations is defined`.
 */
import type { Queryable } from '../dialects/database.js';
import type { Dialect } from '../dialects/dialect.js';
import { isLockstepError, LockstepError } from '../core/errors.js';
import { runScript } from '../dialects/run-script.js';
import { clauseBefore, lineAt, locateTable } from './locate-in-script.js';

/**
 * Runs `script` statement by statement; errors are LockstepErrors `file:line: message`.
 *
 * @example
 * await applyScript(scratch.db, dialect, readFileSync('schema.sql', 'utf8'), 'schema.sql');
 */
export async function applyScript(db: Queryable, dialect: Dialect, script: string, file: string): Promise<void> {
  try {
    await runScript(db, dialect, script, file);
  } catch (error) {
    throw explainMissingReference(error, dialect, script, file) ?? error;
  }
}

function explainMissingReference(error: unknown, dialect: Dialect, script: string, file: string): LockstepError | undefined {
  if (!isLockstepError(error) || !error.location) return undefined;
  const cause = error.cause as { code?: string; message?: string } | undefined;
  const missing = /relation "([^"]+)" does not exist/.exec(cause?.message ?? '')?.[1];
  if (!missing || (cause?.code !== undefined && cause.code !== '42P01')) return undefined;
  const errorLine = Number(error.location.slice(error.location.lastIndexOf(':') + 1));
  const statements = dialect.splitStatements(script);
  const statement = statements.filter((s) => s.line <= errorLine).at(-1);
  if (!statement) return undefined;
  const target = missing.split('.').at(-1)!;
  const reference = new RegExp(`references\\s+(?:(?:"[^"]+"|[\\w$]+)\\s*\\.\\s*)?(?:"${target}"|${target}(?![\\w$]))\\s*(?:\\(([^)]*)\\))?`, 'i').exec(statement.sql);
  const head = /^\s*(?:create\s+(?:(?:temp|temporary|unlogged)\s+)?table\s+(?:if\s+not\s+exists\s+)?|alter\s+table\s+(?:if\s+exists\s+)?(?:only\s+)?)((?:"[^"]+"|[\w$]+)(?:\s*\.\s*(?:"[^"]+"|[\w$]+))?)/i.exec(
    statement.sql.replace(/^(\s*(--[^\n]*\n|\/\*[\s\S]*?\*\/))*/, ''),
  );
  if (!reference || !head) return undefined;
  const table = unquote(head[1].split('.').at(-1)!.trim());
  const clause = clauseBefore(statement.sql, reference.index).replace(/^\s*alter\s+table\s+[\s\S]*?\s+add\s+(?:column\s+)?(?:if\s+not\s+exists\s+)?/i, '');
  const fkColumns = /foreign\s+key\s*\(([^)]*)\)/i.exec(clause)?.[1];
  const columns = fkColumns ? names(fkColumns) : [unquote(/^\s*((?:"[^"]+"|[\w$]+))/.exec(clause)?.[1] ?? '?')];
  const referenced = reference[1] ? `(${names(reference[1]).join(', ')})` : '';
  const source = columns.length === 1 ? `${table}.${columns[0]}` : `${table}(${columns.join(', ')})`;
  const start = script.indexOf(statement.sql, statement.offset);
  const line = lineAt(script, (start >= 0 ? start : statement.offset) + reference.index);
  const later = locateTable(dialect, [{ file, script: script.slice(statement.offset + statement.sql.length) }], target);
  const laterLine = later ? later.line + lineAt(script, statement.offset + statement.sql.length) - 1 : undefined;
  const message = laterLine
    ? `${file}:${line}: ${source} references ${target}${referenced}, but table ${target} is only created later, at ${file}:${laterLine}`
    : `${file}:${line}: ${source} references ${target}${referenced}, but no table ${target} is defined`;
  return new LockstepError(message, {
    cause: error,
    location: `${file}:${line}`,
    hint: laterLine
      ? `Create ${target} before ${table}, or add the foreign key with ALTER TABLE once both tables exist.`
      : `Define table ${target} before the tables that reference it, or fix the reference.`,
  });
}

function names(list: string): string[] {
  return list.split(',').map((n) => unquote(n.trim()));
}

function unquote(name: string): string {
  return name.startsWith('"') ? name.slice(1, -1).replace(/""/g, '"') : name.toLowerCase();
}
