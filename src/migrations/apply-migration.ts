import { hostname, userInfo } from 'node:os';
import type { Queryable } from '../dialects/database.js';
import type { Dialect } from '../dialects/dialect.js';
import { runScript } from '../dialects/run-script.js';
import type { Migration } from './migration-folder.js';
import type { MigrationResult } from './migration-result.js';
import { isApplied, type MigrationSession, recordApplied, recordReverted } from './migration-store.js';

/** Returned instead of a result when another run applied (or reverted) the migration first. */
export const ALREADY_DONE = Symbol('already done');

/**
 * Runs one migration's up or down script with its history row, as one unit: in a
 * transaction (the default), a foreign-keys-off rebuild transaction (SQLite), or outside
 * any transaction when the script says `-- lockstep:no-transaction`.
 */
export async function applyMigration(
  session: MigrationSession,
  dialect: Dialect,
  migration: Migration,
  direction: 'up' | 'down',
): Promise<MigrationResult | typeof ALREADY_DONE> {
  const script = direction === 'up' ? migration.up : migration.down ?? '';
  const file = direction === 'up' ? migration.upPath : migration.downPath ?? migration.upPath;
  const directives = direction === 'up' ? { noTransaction: migration.noTransaction, foreignKeysOff: migration.foreignKeysOff } : migration.downDirectives;
  const started = performance.now();

  const step = async (conn: Queryable): Promise<number | typeof ALREADY_DONE> => {
    // Another run may have done this step while the lock was released (SQLite only).
    if (!session.lockHeldThroughout && (await isApplied(conn, migration.version)) !== (direction === 'down')) return ALREADY_DONE;
    await runScript(conn, dialect, script, file);
    const durationMs = Math.round(performance.now() - started);
    if (direction === 'up') {
      await recordApplied(conn, {
        version: migration.version,
        name: migration.name,
        checksum: migration.checksum,
        downChecksum: migration.downChecksum,
        appliedAt: new Date().toISOString(),
        durationMs,
        appliedBy: processIdentity,
      });
    } else {
      await recordReverted(conn, migration.version);
    }
    return durationMs;
  };

  const base = { version: migration.version, name: migration.name, direction };
  try {
    const outcome = directives.noTransaction
      ? await session.outsideTransaction(step)
      : await session.transaction(step, { foreignKeysOff: directives.foreignKeysOff });
    if (outcome === ALREADY_DONE) return ALREADY_DONE;
    return { ...base, status: 'applied', durationMs: outcome };
  } catch (error) {
    return {
      ...base,
      status: 'failed',
      durationMs: Math.round(performance.now() - started),
      error: error instanceof Error ? error : new Error(String(error)),
    };
  }
}

/** `user@host` recorded in the history's applied_by (and repaired_by) column. */
export const processIdentity = (() => {
  let user = process.env.USER ?? 'unknown';
  try {
    user = userInfo().username;
  } catch {
    // No passwd entry for this uid (some containers): keep $USER.
  }
  return `${user}@${hostname()}`;
})();
