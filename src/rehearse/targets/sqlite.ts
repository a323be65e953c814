import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { errorMessage, LockstepError } from '../../core/errors.js';
import type { StatementFact } from '../../lint/statement-facts.js';
import type { RehearsalSandbox, RehearsalTarget } from '../rehearsal-target.js';
import type { Schema } from '../../core/model.js';
import { parseConnectionUrl } from '../../dialects/connection-url.js';
import type { Database, Queryable } from '../../dialects/database.js';
import { getDialect } from '../../dialects/index.js';
import { parseCreateTable } from '../../dialects/sqlite/sqlite-create-parser.js';
import { openSqlite } from '../../dialects/sqlite/sqlite-driver.js';
import { splitSqliteStatements } from '../../dialects/sqlite/sqlite-statements.js';
import { findTransactionControl } from '../../migrations/transaction-control.js';

/**
 * Rehearses on a copy of the live SQLite file made with the online backup API (a
 * consistent snapshot even while other processes write; the live file is only read).
 * Each migration runs in its own transaction on the copy, as `migrate up` would; the copy
 * is deleted at the end.
 */
export const sqliteRehearsal: RehearsalTarget = {
  async rehearse(_live: Database, liveUrl: string, _timeouts, body) {
    const url = parseConnectionUrl(liveUrl);
    if (!url.filename || url.filename === ':memory:') {
      throw new LockstepError(`cannot rehearse on ${url.display}: an in-memory database has nothing to copy`, {
        hint: 'Point --url at the SQLite file the application uses.',
      });
    }
    const dir = mkdtempSync(join(tmpdir(), 'lockstep-rehearsal-'));
    const copyPath = join(dir, 'rehearsal.db');
    try {
      await backup(url.filename, copyPath);
      const copy = await openSqlite(parseConnectionUrl(`sqlite:${copyPath}`));
      try {
        return await copy.withConnection((conn) => body(sandbox(conn)));
      } finally {
        await copy.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
  unenforcedTypesNote: 'SQLite does not enforce the declared length: the values would be kept as they are, longer than the schema says',
  // No lock or statement timeouts on a private copy.
  timeoutProblems: () => [],
  factsFromError: rebuildErrorFacts,
};

/** better-sqlite3's `backup()` on a read-only handle of its own: the copy never shares the app's connection. */
async function backup(from: string, to: string): Promise<void> {
  let source: BetterSqlite3.Database;
  try {
    source = new BetterSqlite3(from, { readonly: true, fileMustExist: true });
  } catch (error) {
    throw new LockstepError(`cannot open ${from} to copy it for the rehearsal: ${errorMessage(error)}`, { cause: error, hint: 'Check the path in --url and that this user can read the file.' });
  }
  try {
    await source.backup(to);
  } finally {
    source.close();
  }
}

/**
 * SQLite table rebuilds fail in the copying INSERT: "NOT NULL constraint failed:
 * accounts_new.region". `accounts_new` stands for the table it is renamed to.
 */
function rebuildErrorFacts(message: string, facts: StatementFact[], before: Schema, script: string): StatementFact[] {
  const source = (table: string) => {
    const renamed = facts.find((f) => f.kind === 'rename-table' && f.table === table);
    return renamed && renamed.kind === 'rename-table' ? renamed.newName : table;
  };
  const notNull = /NOT NULL constraint failed: ([\w$]+)\.([\w$]+)/i.exec(message);
  if (notNull) {
    const table = source(notNull[1]);
    const column = notNull[2];
    const existing = before.tables.find((t) => t.name === table);
    if (!existing) return [];
    const has = existing.columns.some((c) => c.name === column);
    return [has ? { kind: 'set-not-null', table, column } : { kind: 'add-column', table, column, type: null, notNull: true, hasDefault: false }];
  }
  const unique = /UNIQUE constraint failed: (.+)$/i.exec(message);
  if (unique) {
    const parts = unique[1].split(',').map((p) => p.trim().split('.'));
    const table = source(parts[0][0]);
    return [{ kind: 'add-unique', table, columns: parts.map((p) => p[1]), name: null, primaryKey: false }];
  }
  const check = /CHECK constraint failed: (.+)$/i.exec(message);
  if (check) return rebuildCheckFacts(check[1].trim(), facts, before, script);
  return [];
}

const CREATE_TABLE = /^create\s+(?:temp(?:orary)?\s+)?table\s+(?:if\s+not\s+exists\s+)?(?:main\.)?(?:"((?:[^"]|"")+)"|`([^`]+)`|\[([^\]]+)\]|([\w$]+))/i;

/**
 * "CHECK constraint failed: length(inventory_type) <= 20" (or only the constraint's name)
 * names no table. The CHECK is one of a rebuilt table's (`x_new`, renamed to `x`): found
 * by name or expression in the script's CREATE TABLE, it is probed on the table being
 * rebuilt, whose rows the INSERT was copying.
 */
function rebuildCheckFacts(failed: string, facts: StatementFact[], before: Schema, script: string): StatementFact[] {
  const rebuilt = facts.flatMap((f) => (f.kind === 'rename-table' && before.tables.some((t) => t.name === f.newName) ? [{ copy: f.table, table: f.newName }] : []));
  const normalize = (sql: string) => sql.replace(/\s+/g, ' ').trim().toLowerCase();
  for (const statement of splitSqliteStatements(script)) {
    const created = CREATE_TABLE.exec(statement.sql);
    const target = created && rebuilt.find((r) => r.copy === (created[1]?.replace(/""/g, '"') ?? created[2] ?? created[3] ?? created[4]));
    if (!target) continue;
    let checks: { name: string | null; expression: string }[];
    try {
      checks = parseCreateTable(statement.sql).checks.map((c) => ({ name: c.name, expression: statement.sql.slice(c.expression[0].start, c.expression[c.expression.length - 1].end) }));
    } catch {
      continue;
    }
    const check = checks.find((c) => c.name === failed || normalize(c.expression) === normalize(failed));
    if (check) return [{ kind: 'add-check', table: target.table, name: check.name, expression: check.expression, notValid: false }];
  }
  // Not found in the script: the message's expression, on every table being rebuilt (a probe that cannot run explains nothing).
  return rebuilt.map((r) => ({ kind: 'add-check', table: r.table, name: null, expression: failed, notValid: false }));
}

function sandbox(conn: Queryable): RehearsalSandbox {
  return {
    conn,
    description: 'a copy of the live database made with the SQLite online backup API, deleted at the end',
    notRehearsable: () => undefined,
    // A private copy: nothing on the live database waits for it.
    timeLeftMs: () => Number.POSITIVE_INFINITY,
    async run(migration, apply) {
      // A no-transaction migration that begins and commits its own transactions runs as
      // written (it is a private copy; a failure leaves it as far as it got).
      if (migration.noTransaction && findTransactionControl(getDialect('sqlite'), migration.up).length > 0) {
        await apply(conn);
        return undefined;
      }
      // Table rebuilds need foreign keys off, which only takes effect outside a transaction.
      if (migration.foreignKeysOff) await conn.exec('pragma foreign_keys = off');
      await conn.exec('begin immediate');
      try {
        await apply(conn);
        if (migration.foreignKeysOff) {
          const broken = await conn.query<{ table: string; parent: string }>('pragma foreign_key_check');
          if (broken.rows.length > 0) {
            const first = broken.rows[0];
            throw new Error(`FOREIGN KEY constraint failed: ${broken.rows.length} row${broken.rows.length === 1 ? '' : 's'} of ${first.table} reference missing rows of ${first.parent}`);
          }
        }
        await conn.exec('commit');
      } catch (error) {
        await conn.exec('rollback');
        throw error;
      } finally {
        if (migration.foreignKeysOff) await conn.exec('pragma foreign_keys = on');
      }
      return undefined;
    },
  };
}
