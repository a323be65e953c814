import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import { LockstepError } from '../core/errors.js';

/** First line of a migration that must run outside a transaction (CREATE INDEX CONCURRENTLY). */
export const NO_TRANSACTION_HEADER = '-- lockstep:no-transaction';
/**
 * Header of a SQLite migration that rebuilds tables: the runner turns foreign keys off
 * around its transaction (outside it, where the pragma takes effect) so dropping the old
 * table fires no cascade, and runs `PRAGMA foreign_key_check` before committing.
 */
export const FOREIGN_KEYS_OFF_HEADER = '-- lockstep:foreign-keys-off';

/** The `-- lockstep:` directives in the leading comment lines of a script. */
export interface ScriptDirectives {
  noTransaction: boolean;
  foreignKeysOff: boolean;
}

/**
 * Reads the directives from the comment lines a script starts with (blank lines allowed).
 *
 * @example
 * readDirectives('-- lockstep:no-transaction\ncreate index concurrently …'); // { noTransaction: true, foreignKeysOff: false }
 */
export function readDirectives(script: string): ScriptDirectives {
  const directives: ScriptDirectives = { noTransaction: false, foreignKeysOff: false };
  for (const raw of script.split('\n')) {
    const line = raw.trim();
    if (line === '') continue;
    if (!line.startsWith('--')) break;
    if (line === NO_TRANSACTION_HEADER) directives.noTransaction = true;
    if (line === FOREIGN_KEYS_OFF_HEADER) directives.foreignKeysOff = true;
  }
  return directives;
}

export interface Migration {
  /** Leading digits of the name (or Flyway's `V<n>__`), without leading zeros stripped. */
  version: string;
  name: string;
  /** Path of the up script. */
  upPath: string;
  downPath: string | null;
  up: string;
  down: string | null;
  /** sha256 (hex) of the up script as stored on disk. */
  checksum: string;
  /** The up script starts with `-- lockstep:no-transaction`. */
  noTransaction: boolean;
  /** The up script carries `-- lockstep:foreign-keys-off` (SQLite table rebuilds). */
  foreignKeysOff: boolean;
  /** Directives of the down script (all false when there is none). */
  downDirectives: ScriptDirectives;
}

const FOLDER = /^(\d+)_(.+)$/;
const PLAIN = /^(\d+)_(.+?)(\.down)?\.sql$/;
const FLYWAY = /^V(\d+(?:[._]\d+)*)__(.+)\.sql$/;

/**
 * Reads a migrations folder, sorted by version. Accepts a folder per migration
 * (`<version>_<name>/up.sql` with optional `down.sql`), plain `<version>_<name>.sql` files
 * (optional `<version>_<name>.down.sql`) and Flyway's `V<n>__<name>.sql`.
 *
 * @example
 * const migrations = readMigrationsFolder('migrations');
 * migrations.map((m) => m.version); // ['20240101120000', '20240102090000']
 */
export function readMigrationsFolder(dir: string): Migration[] {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new LockstepError(`migrations folder not found: ${dir}`, {
      hint: 'Create it, or point --migrations (or "migrations" in lockstep.config.json) at the right folder.',
    });
  }
  const byVersion = new Map<string, { name: string; up?: string; down?: string }>();
  const claim = (version: string, name: string, kind: 'up' | 'down', path: string) => {
    const entry = byVersion.get(version) ?? { name };
    if (entry[kind]) {
      throw new LockstepError(`two migrations have version ${version}: ${relative(process.cwd(), entry[kind]!)} and ${relative(process.cwd(), path)}`, {
        hint: 'Give each migration a unique version (rename one of them).',
      });
    }
    entry[kind] = path;
    if (kind === 'up') entry.name = name;
    byVersion.set(version, entry);
  };

  for (const entry of readdirSync(dir).sort()) {
    const path = join(dir, entry);
    if (entry.startsWith('.')) continue;
    if (statSync(path).isDirectory()) {
      const match = FOLDER.exec(entry);
      if (!match) continue;
      const up = join(path, 'up.sql');
      if (!existsSync(up)) {
        throw new LockstepError(`${relative(process.cwd(), path)}: migration folder has no up.sql`, {
          hint: 'Each migration folder holds up.sql and, optionally, down.sql.',
        });
      }
      claim(match[1], match[2], 'up', up);
      const down = join(path, 'down.sql');
      if (existsSync(down)) claim(match[1], match[2], 'down', down);
      continue;
    }
    if (!entry.endsWith('.sql')) continue;
    const flyway = FLYWAY.exec(entry);
    if (flyway) {
      claim(flyway[1].replace(/[._]/g, ''), flyway[2], 'up', path);
      continue;
    }
    const plain = PLAIN.exec(entry);
    if (!plain) {
      throw new LockstepError(`${relative(process.cwd(), path)}: cannot tell the migration's version from its name`, {
        hint: 'Name migrations <version>_<name>.sql, <version>_<name>/up.sql or V<n>__<name>.sql.',
      });
    }
    claim(plain[1], plain[2], plain[3] ? 'down' : 'up', path);
  }

  const migrations: Migration[] = [];
  for (const [version, entry] of byVersion) {
    if (!entry.up) {
      throw new LockstepError(`${relative(process.cwd(), entry.down!)}: a down migration without its up migration`, {
        hint: `Add ${basename(entry.down!).replace('.down.sql', '.sql')} or remove the file.`,
      });
    }
    const upBytes = readFileSync(entry.up);
    const up = upBytes.toString('utf8');
    const down = entry.down ? readFileSync(entry.down, 'utf8') : null;
    const directives = readDirectives(up);
    migrations.push({
      version,
      name: entry.name,
      upPath: entry.up,
      downPath: entry.down ?? null,
      up,
      down,
      checksum: createHash('sha256').update(upBytes).digest('hex'),
      noTransaction: directives.noTransaction,
      foreignKeysOff: directives.foreignKeysOff,
      downDirectives: down === null ? { noTransaction: false, foreignKeysOff: false } : readDirectives(down),
    });
  }
  return migrations.sort((a, b) => compareVersions(a.version, b.version));
}

/** Orders versions numerically (they may be long timestamps, so no Number()). */
export function compareVersions(a: string, b: string): number {
  const x = a.replace(/^0+(?=\d)/, '');
  const y = b.replace(/^0+(?=\d)/, '');
  return x.length !== y.length ? x.length - y.length : x < y ? -1 : x > y ? 1 : 0;
}
