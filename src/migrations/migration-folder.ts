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
  /**
   * The version the history stores: the leading digits of the name (leading zeros kept),
   * diesel's timestamp without its dashes, or Flyway's dotted version (`1.1`).
   */
  version: string;
  /**
   * The version an earlier lockstep stored for this migration, when it differs: Flyway's
   * `V1.1__x.sql` was stored as `11`. `migrate repair` renames such history rows.
   */
  legacyVersion: string | null;
  name: string;
  /** Path of the up script. */
  upPath: string;
  downPath: string | null;
  /** The up script, without a byte order mark and with LF line endings. */
  up: string;
  down: string | null;
  /** sha256 (hex) of the up script with LF line endings and no byte order mark. */
  checksum: string;
  /**
   * sha256 of the up script's bytes as stored on disk, the checksum lockstep recorded
   * before it normalized line endings: a history row holding it still matches.
   */
  rawChecksum: string;
  /** sha256 of the down script, normalized like {@link checksum}; null without one. */
  downChecksum: string | null;
  /** The up script starts with `-- lockstep:no-transaction` (or diesel's `run_in_transaction = false`). */
  noTransaction: boolean;
  /** The up script carries `-- lockstep:foreign-keys-off` (SQLite table rebuilds). */
  foreignKeysOff: boolean;
  /** Directives of the down script (all false when there is none). */
  downDirectives: ScriptDirectives;
}

/** `<version>_<name>/` and diesel's `2021-02-02-101010_<name>/` (the version is the digits). */
const FOLDER = /^(\d+(?:-\d+)*)_(.+)$/;
/** `<version>_<name>.sql`, `<version>_<name>.down.sql` and pop's `<version>_<name>.up.sql`. */
const PLAIN = /^(\d+)_(.+?)(?:\.(up|down))?\.sql$/;
/** Flyway's versioned `V<version>__<name>.sql` and its undo `U<version>__<name>.sql`. */
const FLYWAY = /^([VU])(\d+(?:[._]\d+)*)__(.+)\.sql$/;

/** Every layout lockstep reads, for the message about an entry it cannot read. */
export const ACCEPTED_LAYOUTS = [
  '<version>_<name>/up.sql (+ down.sql)',
  "diesel's YYYY-MM-DD-HHMMSS_<name>/up.sql (+ down.sql)",
  '<version>_<name>.sql (+ <version>_<name>.down.sql)',
  '<version>_<name>.up.sql (+ <version>_<name>.down.sql)',
  "Flyway's V<version>__<name>.sql (+ U<version>__<name>.sql)",
];
const LAYOUTS_HINT = `A migrations folder holds only migrations: ${ACCEPTED_LAYOUTS.join(', ')}. Hidden entries (.name) and .md files are ignored; rename the entry to one of these layouts or move it out of the folder.`;

/**
 * Reads a migrations folder, sorted by version. Every entry must be a migration in one of
 * the {@link ACCEPTED_LAYOUTS}: an entry lockstep cannot read is an error, never skipped
 * (hidden entries and `.md` files excepted).
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
  const byVersion = new Map<string, { name: string; up?: string; down?: string; noTransaction?: boolean; legacyVersion?: string }>();
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
    return entry;
  };
  const unreadable = (path: string, why: string) =>
    new LockstepError(`${relative(process.cwd(), path)}: ${why}`, { hint: LAYOUTS_HINT, location: relative(process.cwd(), path) });

  for (const entry of readdirSync(dir).sort()) {
    const path = join(dir, entry);
    if (entry.startsWith('.')) continue;
    if (statSync(path).isDirectory()) {
      const match = FOLDER.exec(entry);
      if (!match) throw unreadable(path, 'a folder in the migrations folder whose name does not start with a version');
      const version = match[1].replace(/-/g, '');
      const up = join(path, 'up.sql');
      if (!existsSync(up)) {
        throw new LockstepError(`${relative(process.cwd(), path)}: migration folder has no up.sql`, {
          hint: 'Each migration folder holds up.sql and, optionally, down.sql.',
        });
      }
      const claimed = claim(version, match[2], 'up', up);
      const down = join(path, 'down.sql');
      if (existsSync(down)) claim(version, match[2], 'down', down);
      claimed.noTransaction = dieselRunsOutsideTransaction(join(path, 'metadata.toml'));
      continue;
    }
    if (/\.md$/i.test(entry)) continue;
    const flyway = FLYWAY.exec(entry);
    if (flyway) {
      const version = flyway[2].replace(/_/g, '.');
      const claimed = claim(version, flyway[3], flyway[1] === 'V' ? 'up' : 'down', path);
      const legacy = flyway[2].replace(/[._]/g, '');
      if (legacy !== version) claimed.legacyVersion = legacy;
      continue;
    }
    const plain = PLAIN.exec(entry);
    if (plain) {
      claim(plain[1], plain[2], plain[3] === 'down' ? 'down' : 'up', path);
      continue;
    }
    if (/^R__/.test(entry)) throw unreadable(path, "Flyway's repeatable migrations (R__) are not supported");
    throw unreadable(path, entry.endsWith('.sql') ? "cannot tell the migration's version from its name" : 'not a migration lockstep can read (migrations are .sql files)');
  }

  const migrations: Migration[] = [];
  for (const [version, entry] of byVersion) {
    if (!entry.up) {
      throw new LockstepError(`${relative(process.cwd(), entry.down!)}: a down migration without its up migration`, {
        hint: `Add its up migration (${basename(entry.down!).replace(/\.down\.sql$/, '.sql').replace(/^U/, 'V')}) or remove the file.`,
      });
    }
    const upBytes = readFileSync(entry.up);
    const up = normalizeScript(upBytes.toString('utf8'));
    const down = entry.down ? normalizeScript(readFileSync(entry.down, 'utf8')) : null;
    const directives = readDirectives(up);
    const downDirectives = down === null ? { noTransaction: false, foreignKeysOff: false } : readDirectives(down);
    migrations.push({
      version,
      legacyVersion: entry.legacyVersion ?? null,
      name: entry.name,
      upPath: entry.up,
      downPath: entry.down ?? null,
      up,
      down,
      checksum: sha256(up),
      rawChecksum: createHash('sha256').update(upBytes).digest('hex'),
      downChecksum: down === null ? null : sha256(down),
      noTransaction: directives.noTransaction || Boolean(entry.noTransaction),
      foreignKeysOff: directives.foreignKeysOff,
      downDirectives: { ...downDirectives, noTransaction: downDirectives.noTransaction || Boolean(entry.noTransaction) },
    });
  }
  return migrations.sort((a, b) => compareVersions(a.version, b.version));
}

/**
 * Whether the history's checksum of an applied migration matches its up script: the
 * normalized checksum, or the raw-bytes one lockstep recorded before normalizing.
 */
export function upChecksumMatches(migration: Migration, recorded: string): boolean {
  return recorded === migration.checksum || recorded === migration.rawChecksum;
}

/** Drops a byte order mark and turns CRLF (and lone CR) line endings into LF. */
export function normalizeScript(text: string): string {
  return text.replace(/^\uFEFF/, '').replace(/\r\n?/g, '\n');
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/** diesel's `metadata.toml` beside up.sql: `run_in_transaction = false`. */
function dieselRunsOutsideTransaction(file: string): boolean {
  if (!existsSync(file)) return false;
  return /^\s*run_in_transaction\s*=\s*false\s*(#.*)?$/m.test(readFileSync(file, 'utf8'));
}

/**
 * Orders versions as dotted numbers (`1` < `1.1` < `1.10` < `2`); each part is compared
 * as a number of any length (timestamps do not fit in a double), leading zeros ignored.
 */
export function compareVersions(a: string, b: string): number {
  const x = a.split('.');
  const y = b.split('.');
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    const order = compareNumbers(x[i], y[i]);
    if (order !== 0) return order;
  }
  return x.length - y.length;
}

function compareNumbers(a: string, b: string): number {
  const x = a.replace(/^0+(?=\d)/, '');
  const y = b.replace(/^0+(?=\d)/, '');
  return x.length !== y.length ? x.length - y.length : x < y ? -1 : x > y ? 1 : 0;
}
