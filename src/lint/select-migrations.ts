import { dirname, resolve } from 'node:path';
import type { Database } from '../dialects/database.js';
import { connect } from '../dialects/index.js';
import { errorMessage, LockstepError } from '../core/errors.js';
import type { Migration } from '../migrations/migration-folder.js';
import { migrationStatus } from '../migrations/migration-status.js';

/**
 * Which migrations `lint` (and `rehearse`) look at: the ones named on the command line
 * (by version, `<version>_<name>`, or path), else the pending ones of the database at `url`.
 */
export function migrationsNamed(migrations: Migration[], names: string[], cwd: string): Migration[] {
  return names.map((name) => {
    const path = resolve(cwd, name);
    const found = migrations.find((m) => m.version === name || `${m.version}_${m.name}` === name || m.upPath === path || dirname(m.upPath) === path || m.downPath === path);
    if (!found) {
      throw new LockstepError(`no migration matches "${name}"`, {
        hint: `Name a migration by version (e.g. ${migrations.at(-1)?.version ?? '20240101120000'}), by <version>_<name>, or by its path.`,
      });
    }
    return found;
  });
}

/** Migrations not yet in the history of the database at `url`. */
export async function pendingMigrations(url: string, migrations: Migration[], options: { suggestAll?: boolean; db?: Database } = {}): Promise<Migration[]> {
  let db = options.db;
  try {
    db ??= await connect(url, { applicationName: 'lockstep lint', mustExist: true });
  } catch (error) {
    throw new LockstepError(`cannot tell which migrations are pending: ${errorMessage(error)}`, {
      cause: error,
      hint: options.suggestAll === false ? 'Start the database or fix --url.' : 'Start the database or fix --url; or lint without it: lockstep lint --all (every migration) or lockstep lint VERSION….',
    });
  }
  try {
    const status = await migrationStatus(db, migrations);
    const pending = new Set(status.migrations.filter((m) => m.state === 'pending').map((m) => m.version));
    return migrations.filter((m) => pending.has(m.version));
  } finally {
    if (!options.db) await db.close();
  }
}
