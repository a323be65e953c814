/**
 * Expected schema from a migrations folder: every up script replayed in version order on
 * a scratch database, then introspected and its foreign keys validated.
 *
 * The replay runs each script statement by statement without the migrator's history or
 * lock: the scratch database is private and empty, so neither is needed, and the
 * `-- lockstep:no-transaction` / `foreign-keys-off` directives change nothing on a
 * database without rows.
 */
import type { Dialect } from '../dialects/dialect.js';
import { LockstepError } from '../core/errors.js';
import { compareVersions, type Migration } from '../migrations/migration-folder.js';
import type { Schema } from '../core/model.js';
import { validateForeignKeys } from '../core/validate-foreign-keys.js';
import { applyScript } from './apply-script.js';
import { displayPath } from './display-path.js';
import { foreignKeyError } from './foreign-key-errors.js';
import type { ScratchSourceOptions } from './schema-file-source.js';

export interface ReplayOptions extends ScratchSourceOptions {
  /** Replay up to and including this version. */
  upTo?: string;
  /** Skip the foreign-key validation of the result (e.g. to compare two broken states). */
  skipForeignKeyCheck?: boolean;
}

/**
 * Replays `migrations` (sorted by version) and returns the schema they build. A failing
 * statement is reported as `<file>:<line>: <database message>`.
 *
 * @example
 * const schema = await replayMigrations(getDialect('sqlite'), readMigrationsFolder('migrations'));
 */
export async function replayMigrations(dialect: Dialect, migrations: Migration[], options: ReplayOptions = {}): Promise<Schema> {
  if (options.upTo !== undefined && !migrations.some((m) => m.version === options.upTo)) {
    throw new LockstepError(`no migration has version ${options.upTo}`, {
      hint: `Use one of the versions in the migrations folder (latest: ${migrations.at(-1)?.version ?? 'none'}).`,
    });
  }
  const selected = [...migrations]
    .sort((a, b) => compareVersions(a.version, b.version))
    .filter((m) => options.upTo === undefined || compareVersions(m.version, options.upTo) <= 0);
  const scratch = await dialect.createScratch(options.devUrl ? { devUrl: options.devUrl } : {});
  try {
    const scripts = selected.map((m) => ({ file: displayPath(m.upPath), script: m.up }));
    // One connection for the scripts and the introspection: session settings a script
    // leaves behind (search_path) are then the ones the introspector resets.
    const schema = await scratch.db.withConnection(async (conn) => {
      for (const { file, script } of scripts) await applyScript(conn, dialect, script, file);
      return dialect.introspect(conn);
    });
    if (!options.skipForeignKeyCheck) {
      const error = foreignKeyError(dialect, validateForeignKeys(schema, dialect.typesCompatible), scripts);
      if (error) throw error;
    }
    return schema;
  } finally {
    await scratch.dispose();
  }
}
