import { relative } from 'node:path';
import type { Queryable } from './database.js';
import type { Dialect, SqlStatement } from './dialect.js';
import { errorMessage, LockstepError } from '../core/errors.js';

export interface ScriptError {
  /** The statement that failed. */
  statement: SqlStatement;
  /** `file:line` of the failing statement (line of the error position when the database gives one). */
  location: string;
  /** The database's own message. */
  message: string;
}

/**
 * Runs a SQL script statement by statement on `db`, so that a failure can be pinned to
 * `file:line`. It does not open a transaction: callers decide (a migration runs in one,
 * a `-- lockstep:no-transaction` migration does not).
 *
 * @example
 * await runScript(db, dialect, readFileSync('schema.sql', 'utf8'), 'schema.sql');
 * // throws LockstepError('schema.sql:14: relation "organizations" does not exist')
 */
export async function runScript(db: Queryable, dialect: Dialect, script: string, file: string): Promise<void> {
  await dialect.loadParser();
  for (const statement of dialect.splitStatements(script)) {
    if (statement.psqlCommand) {
      const { location } = describeScriptError(undefined, statement, script, file);
      throw new LockstepError(`${location}: \\${statement.psqlCommand} is a psql meta-command, not SQL, and lockstep runs SQL only`, {
        location,
        hint: `Replace the line at ${location} with the SQL it stands for (settings-only commands such as \\restrict, \\set and \\connect are skipped).`,
      });
    }
    try {
      await db.exec(statement.sql);
    } catch (error) {
      const failure = describeScriptError(error, statement, script, file);
      throw new LockstepError(`${failure.location}: ${failure.message}`, {
        cause: error,
        location: failure.location,
        hint: `Fix the statement at ${failure.location} and run the command again.`,
      });
    }
  }
}

/** Pins a database error to a line of the script: the error's own position when it has one. */
export function describeScriptError(error: unknown, statement: SqlStatement, script: string, file: string): ScriptError {
  const position = Number((error as { position?: string | number } | undefined)?.position);
  let offset = statement.offset;
  if (Number.isFinite(position) && position > 0) offset += position - 1;
  const line = script.slice(0, offset).split('\n').length;
  const shown = file.startsWith('/') ? relative(process.cwd(), file) || file : file;
  return {
    statement,
    location: `${shown}:${Number.isFinite(position) && position > 0 ? line : statement.line}`,
    message: errorMessage(error),
  };
}
