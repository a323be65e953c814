import { relative } from 'node:path';
import type { Dialect } from '../dialects/dialect.js';
import { type Migration, NO_TRANSACTION_HEADER } from './migration-folder.js';
import type { MigrationProblem } from './migration-result.js';

/** A statement of a script that begins, ends or rolls back a transaction. */
export interface TransactionControl {
  /** Line of the statement in the script (1-based). */
  line: number;
  /** The keyword as written, upper-cased: `BEGIN`, `COMMIT`, `END`, `ROLLBACK`, `START TRANSACTION`, `ABORT`. */
  keyword: string;
}

/**
 * `BEGIN`, `START TRANSACTION`, `COMMIT`, `END`, `ROLLBACK` (not `ROLLBACK TO SAVEPOINT`,
 * which stays inside the transaction), `ABORT`, and PostgreSQL's two-phase
 * `PREPARE TRANSACTION` / `COMMIT PREPARED` / `ROLLBACK PREPARED`. `BEGIN` opening a
 * PL/pgSQL body or a trigger body is inside another statement and never starts one.
 */
const CONTROL = /^(begin|start\s+transaction|commit|end|rollback|abort|prepare\s+transaction)\b(?!\s+(?:(?:transaction|work)\s+)?to\b)/i;

/**
 * The statements of `script` that control the transaction themselves (await
 * `dialect.loadParser()` first). lockstep runs every
 * migration in its own transaction (with its history row), so such a statement would end
 * that transaction early (PostgreSQL: the rest of the migration and its history row commit
 * outside it) or fail inside it (SQLite: no nested BEGIN).
 *
 * @example
 * findTransactionControl(getDialect('postgres'), 'begin;\ncreate table a (id int);\ncommit;');
 * // → [{ line: 1, keyword: 'BEGIN' }, { line: 3, keyword: 'COMMIT' }]
 */
export function findTransactionControl(dialect: Dialect, script: string): TransactionControl[] {
  const found: TransactionControl[] = [];
  for (const statement of dialect.splitStatements(script)) {
    const match = CONTROL.exec(statement.sql);
    if (match) found.push({ line: statement.line, keyword: match[1].replace(/\s+/g, ' ').toUpperCase() });
  }
  return found;
}

/** The refusal for a script that controls its own transaction: what was found, where, and the two ways out. */
export interface TransactionControlRefusal {
  /** `file:line` of the first such statement. */
  location: string;
  message: string;
  hint: string;
}

/**
 * Words the refusal: what was found, where, and the two ways out.
 *
 * @example
 * refuseTransactionControl('migrations/004_x/up.sql', [{ line: 1, keyword: 'BEGIN' }]).location; // 'migrations/004_x/up.sql:1'
 */
export function refuseTransactionControl(file: string, found: TransactionControl[]): TransactionControlRefusal {
  const where = found.map((f) => `${f.keyword} on line ${f.line}`).join(', ');
  return {
    location: `${file}:${found[0].line}`,
    message: `the migration controls its own transaction (${where}), but lockstep runs each migration in a transaction of its own together with its history row, which these statements would end early or break`,
    hint: `Remove the ${[...new Set(found.map((f) => f.keyword))].join('/')} statements (lockstep's transaction already makes the migration all-or-nothing), or put "${NO_TRANSACTION_HEADER}" on its first line to run it as written, outside lockstep's transaction.`,
  };
}

/**
 * Problems for the scripts `migrate up` (or `down`) is about to run that control their own
 * transaction: the migrator refuses them before applying anything. Scripts marked
 * `-- lockstep:no-transaction` may.
 *
 * @example
 * const problems = await transactionControlProblems(getDialect('sqlite'), pending, 'up');
 */
export async function transactionControlProblems(dialect: Dialect, migrations: Migration[], direction: 'up' | 'down'): Promise<MigrationProblem[]> {
  const problems: MigrationProblem[] = [];
  // Only when there is something to read: a run with nothing pending loads no parser.
  if (migrations.length > 0) await dialect.loadParser();
  for (const migration of migrations) {
    const script = direction === 'up' ? migration.up : migration.down;
    const path = direction === 'up' ? migration.upPath : migration.downPath;
    const noTransaction = direction === 'up' ? migration.noTransaction : migration.downDirectives.noTransaction;
    if (script === null || path === null || noTransaction) continue;
    const found = findTransactionControl(dialect, script);
    if (found.length === 0) continue;
    const refusal = refuseTransactionControl(displayPath(path), found);
    problems.push({ kind: 'transaction-control', version: migration.version, name: migration.name, file: displayPath(path), message: `${refusal.location}: ${refusal.message}; nothing was ${direction === 'up' ? 'applied' : 'reverted'}`, hint: refusal.hint });
  }
  return problems;
}

/** A path relative to the working directory when it is inside it. */
function displayPath(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel && !rel.startsWith('..') ? rel : path;
}
