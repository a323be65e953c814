import { randomBytes } from 'node:crypto';
import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Database } from '../dialects/database.js';
import type { Dialect, MigrationPlan } from '../dialects/dialect.js';
import { LockstepError } from '../core/errors.js';
import { type DiffOptions, diffSchemas } from '../core/diff-schemas.js';
import type { Schema } from '../core/model.js';
import type { SchemaChange } from '../core/schema-change.js';
import { migrateDown } from './migrate-down.js';
import { migrateUp } from './migrate-up.js';
import { FOREIGN_KEYS_OFF_HEADER, type Migration, NO_TRANSACTION_HEADER, readMigrationsFolder } from './migration-folder.js';
import type { MigrateOutcome } from './migration-result.js';
import { generateExpandContract } from './generate-expand-contract.js';
import { findRenameCandidates, type RenameCandidate, resolveRenames, toRenameHints } from './rename-candidates.js';

export interface GenerateOptions {
  /** Migration name; becomes `<UTC timestamp>_<name>`. */
  name: string;
  migrationsDir: string;
  dialect: Dialect;
  /** Reads the declared schema (schema.sql on a scratch database). Not needed with `empty`. */
  loadDeclared?: () => Promise<Schema>;
  devUrl?: string;
  /** `--rename` values: `table.old=new` or `old_table=new_table`. */
  renames?: string[];
  /** Asks about one rename candidate (a TTY prompt); without it undecided candidates are refused. */
  ask?: (candidate: RenameCandidate) => Promise<boolean>;
  /** Treat every undecided rename candidate as a drop plus an add. */
  dropAndAdd?: boolean;
  /** Write blank up.sql and down.sql (for data changes). */
  empty?: boolean;
  /**
   * Column renames and column type changes as an expand step (new column, sync triggers, backfill) and a later
   * contract step marked `-- lockstep:contract`, instead of one RENAME COLUMN.
   */
  expandContract?: boolean;
  /** Clock for the version (tests). */
  now?: Date;
  /** The opt-in comparisons (`--compare`): the migration also brings comments, grants or extension versions to the declared schema. */
  compare?: Pick<DiffOptions, 'comments' | 'grants' | 'extensionVersions'>;
}

export interface GenerateResult {
  /** `nothing-to-do`: the migrations already reach the declared schema; nothing was written. */
  status: 'written' | 'nothing-to-do';
  /** Folder of the new migration. */
  dir?: string;
  version?: string;
  up?: string;
  down?: string;
  /** What the migration changes (declared vs replayed). */
  changes: SchemaChange[];
  renames: RenameCandidate[];
  /** With `expandContract`: the contract step, a second migration after the expand step in `dir`. */
  contract?: { dir: string; version: string; up: string; down: string };
}

/**
 * Writes the migration that takes the replay of the migrations folder to the declared
 * schema, with its down migration, after proving both on a scratch database: all
 * migrations replayed reach the declared schema, and down.sql brings back exactly the
 * schema before up.sql. Nothing is written when the proof fails.
 *
 * @example
 * const result = await generateMigration({ name: 'add_phone', migrationsDir: 'migrations', dialect, loadDeclared });
 * console.log(result.status === 'written' ? result.dir : 'nothing to do');
 */
export async function generateMigration(options: GenerateOptions): Promise<GenerateResult> {
  const name = migrationName(options.name);
  mkdirSync(options.migrationsDir, { recursive: true });
  const existing = readMigrationsFolder(options.migrationsDir);
  const version = nextVersion(existing, options.now ?? new Date());
  if (options.empty) {
    const dir = writeMigration(options.migrationsDir, `${version}_${name}`, blank('up', name), blank('down', name));
    return { status: 'written', dir, version, changes: [], renames: [] };
  }
  if (!options.loadDeclared) throw new LockstepError('generate needs a declared schema (schema.sql) to diff against');

  const compare = options.compare ?? {};
  if (options.expandContract && Object.keys(compare).length > 0) {
    throw new LockstepError('generate --expand-contract does not take --compare yet', {
      hint: "Generate the expand-contract migration with --compare '' (which turns off \"check.compare\" of the config), then a second one with --compare for the privileges or comments.",
    });
  }
  const declared = await options.loadDeclared();
  const scratch = await options.dialect.createScratch({ devUrl: options.devUrl });
  try {
    const replayed = await replay(scratch.db, options.dialect, existing);
    const diff = diffSchemas(declared, replayed, compare);
    if (diff.ok) return { status: 'nothing-to-do', changes: [], renames: [] };

    const confirmed = await resolveRenames(findRenameCandidates(diff.changes), { flags: options.renames, ask: options.ask, dropAndAdd: options.dropAndAdd });
    if (options.expandContract) {
      return await generateExpandContract({ db: scratch.db, dialect: options.dialect, existing, replayed, declared, confirmed, migrationsDir: options.migrationsDir, version, name, now: options.now ?? new Date(), changes: diff.changes });
    }
    const hints = toRenameHints(confirmed);
    const upPlan = usable(options.dialect.planMigration(replayed, declared, { renames: hints.up, compare }), 'up.sql');
    const downPlan = usable(options.dialect.planMigration(declared, replayed, { renames: hints.down, compare }), 'down.sql');
    const up = render(upPlan, 'up', name);
    const down = render(downPlan, 'down', name);

    // Written under a dot-folder first (readMigrationsFolder skips those), moved into place only once proven.
    const staging = join(options.migrationsDir, `.lockstep-generate-${randomBytes(4).toString('hex')}`);
    try {
      const stagedDir = writeMigration(staging, `${version}_${name}`, up, down);
      const [candidate] = readMigrationsFolder(staging);
      await prove(scratch.db, options.dialect, [...existing, candidate], declared, replayed, stagedDir, compare);
      const dir = join(options.migrationsDir, `${version}_${name}`);
      renameSync(stagedDir, dir);
      return { status: 'written', dir, version, up, down, changes: diff.changes, renames: confirmed };
    } finally {
      rmSync(staging, { recursive: true, force: true });
    }
  } finally {
    await scratch.dispose();
  }
}

/** Applies `migrations` with the real migrator and reads the schema they produce. */
async function replay(db: Database, dialect: Dialect, migrations: Migration[]): Promise<Schema> {
  check(await migrateUp(db, migrations), 'replaying the migrations folder on a scratch database');
  return dialect.introspect(db);
}

/** The two promises a generated migration keeps, checked with the real migrator. */
async function prove(db: Database, dialect: Dialect, migrations: Migration[], declared: Schema, before: Schema, stagedDir: string, compare: DiffOptions): Promise<void> {
  check(await migrateUp(db, migrations), `applying the generated up.sql (${stagedDir})`);
  const after = await dialect.introspect(db);
  const reached = diffSchemas(declared, after, compare);
  if (!reached.ok) {
    throw new LockstepError(`the generated up.sql does not reach schema.sql; nothing was written. Still different:\n${describeChanges(reached.changes)}`, {
      hint: 'This is a gap in lockstep\'s planner for these changes: write the migration with generate --empty and edit it by hand.',
      exitCode: 1,
    });
  }
  check(await migrateDown(db, migrations, { steps: 1 }), `applying the generated down.sql (${stagedDir})`);
  const restored = diffSchemas(before, await dialect.introspect(db), { ...compare, strictNames: true });
  if (!restored.ok) {
    throw new LockstepError(`the generated down.sql does not restore the schema before up.sql; nothing was written. Differences:\n${describeChanges(restored.changes)}`, {
      hint: 'Write the migration with generate --empty and edit down.sql by hand.',
      exitCode: 1,
    });
  }
}

export function check(outcome: MigrateOutcome, doing: string): void {
  if (outcome.error) throw outcome.error;
  const problem = outcome.problems[0];
  if (problem) throw new LockstepError(`${doing}: ${problem.message}`, { hint: problem.hint });
  const failed = outcome.results.find((r) => r.status === 'failed');
  if (failed) {
    throw new LockstepError(`${doing}: ${failed.error?.message ?? 'failed'}`, {
      hint: 'Fix that migration first: generate replays every migration to know where the database stands.',
      cause: failed.error,
    });
  }
}

export function usable(plan: MigrationPlan, file: string): MigrationPlan {
  if (plan.unsupported.length > 0) {
    throw new LockstepError(`cannot generate ${file}: lockstep cannot express these changes yet; nothing was written\n${describeChanges(plan.unsupported)}`, {
      hint: 'Write the migration by hand: lockstep generate NAME --empty, then edit up.sql and down.sql.',
    });
  }
  return plan;
}

/** The script text: directives the runner needs first, then one statement per paragraph. */
export function render(plan: MigrationPlan, direction: 'up' | 'down', name: string): string {
  const lines = [`-- ${name} (${direction}), generated by lockstep generate`];
  if (plan.requiresForeignKeysOff) lines.unshift(FOREIGN_KEYS_OFF_HEADER);
  if (plan.statements.some((s) => /\bconcurrently\b/i.test(s))) lines.unshift(NO_TRANSACTION_HEADER);
  const body = plan.statements.map((s) => `${s.trim().replace(/;$/, '')};`).join('\n\n');
  return `${lines.join('\n')}\n\n${body}\n`;
}

function blank(direction: 'up' | 'down', name: string): string {
  return direction === 'up'
    ? `-- ${name} (up): write the change here. Each migration runs in one transaction;\n-- put "-- lockstep:no-transaction" on the first line for statements that cannot.\n`
    : `-- ${name} (down): undo what up.sql does, so migrate down can revert it.\n`;
}

export function writeMigration(parent: string, folder: string, up: string, down: string): string {
  const dir = join(parent, folder);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'up.sql'), up);
  writeFileSync(join(dir, 'down.sql'), down);
  return dir;
}

/** `Add phone number!` → `add_phone_number`. */
export function migrationName(raw: string): string {
  const name = raw.trim().toLowerCase().replace(/[^a-z0-9]+/g, '_').replace(/^_+|_+$/g, '');
  if (!name) throw new LockstepError(`"${raw}" is not a usable migration name`, { hint: 'Use letters and digits, e.g. lockstep generate add_phone_number.' });
  return name;
}

/** UTC `YYYYMMDDHHMMSS`, moved a second on when that version is taken (two generates in a second). */
export function nextVersion(existing: Migration[], now: Date): string {
  const taken = new Set(existing.map((m) => m.version));
  let t = now.getTime();
  for (;;) {
    const version = new Date(t).toISOString().replace(/[-:T]/g, '').slice(0, 14);
    if (!taken.has(version)) return version;
    t += 1000;
  }
}

export function describeChanges(changes: SchemaChange[]): string {
  return changes.map((c) => `  ${c.kind}: ${c.message}`).join('\n');
}
