import { renameSync, rmSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { Database } from '../dialects/database.js';
import type { Dialect } from '../dialects/dialect.js';
import { diffSchemas } from '../core/diff-schemas.js';
import { LockstepError } from '../core/errors.js';
import type { Schema } from '../core/model.js';
import { type ColumnRename, renameColumns } from '../core/rename-columns.js';
import { castTo, type SyncPair } from './expand/expand-step.js';
import { expandStepFor } from './expand/index.js';
import { check, describeChanges, type GenerateResult, nextVersion, render, usable, writeMigration } from './generate.js';
import { migrateDown } from './migrate-down.js';
import { migrateUp } from './migrate-up.js';
import { type Migration, readMigrationsFolder } from './migration-folder.js';
import type { RenameCandidate } from './rename-candidates.js';

/** The header that marks the contract step of an expand/contract change; `lockstep lint` holds it back while code uses the old name. */
export const CONTRACT_HEADER = '-- lockstep:contract';

export interface ExpandContractInput {
  db: Database;
  dialect: Dialect;
  existing: Migration[];
  replayed: Schema;
  declared: Schema;
  confirmed: RenameCandidate[];
  migrationsDir: string;
  version: string;
  name: string;
  now: Date;
  changes: GenerateResult['changes'];
}

/**
 * A column rename or a column type change as two migrations instead of one statement: the
 * **expand** step adds the new column (a rename: the new name; a type change: a shadow
 * column `<column>_new` of the new type), keeps old and new in step with triggers (values
 * cast between the types) and backfills it in batches; the **contract** step, a later
 * migration marked `-- lockstep:contract`, removes the triggers and the old column (a type
 * change: and renames the shadow column into its place) and gives the new one its declared
 * constraints. Both are proven on the scratch database (up reaches schema.sql, each down
 * restores the schema before it) before either is written.
 */
export async function generateExpandContract(input: ExpandContractInput): Promise<GenerateResult> {
  const { dialect, declared, replayed } = input;
  const renames: ColumnRename[] = input.confirmed.filter((r) => r.kind === 'column').map((r) => ({ table: r.table, from: r.from, to: r.to }));
  const retypes = input.confirmed.length === 0 ? typeChanges(input) : [];
  if (retypes.length > 0) return stageAndProve(input, retypes, (expanded) => typeChangeContract(dialect, expanded, declared, retypes));
  if (renames.length === 0 || renames.length !== input.confirmed.length) {
    throw new LockstepError('--expand-contract writes the steps of column renames and column type changes, and this change has ' + (renames.length === 0 ? 'neither' : 'a table rename too'), {
      hint: 'Confirm each column rename with --rename table.old=new; generate table renames and other changes in a migration of their own first.',
    });
  }
  const rest = diffSchemas(declared, renameColumns(replayed, renames));
  if (!rest.ok) {
    throw new LockstepError(`--expand-contract writes only the renames, but schema.sql also changes:\n${describeChanges(rest.changes)}`, {
      hint: 'Generate those changes in a migration of their own first (without --expand-contract), then run this again.',
    });
  }
  return stageAndProve(input, renames, (expanded) => renameContract(dialect, expanded, declared, renames));
}

/** A contract step's statements, before rendering. */
interface ContractPlan {
  up: string[];
  down: string[];
  requiresForeignKeysOff: boolean;
}

/**
 * The column type changes schema.sql asks for, as sync pairs (`to` is the shadow column),
 * when they are all it asks for (a changed NOT NULL or default of the same column goes with
 * them); none when schema.sql changes no column type.
 */
function typeChanges(input: ExpandContractInput): SyncPair[] {
  const { declared, replayed } = input;
  const changed = input.changes.filter((c) => c.kind === 'column.type' && c.column !== undefined);
  if (changed.length === 0) return [];
  const pairs: SyncPair[] = [];
  for (const change of changed) {
    const table = replayed.tables.find((t) => t.name === change.table)!;
    const before = table.columns.find((c) => c.name === change.column)!;
    const after = declared.tables.find((t) => t.name === change.table)!.columns.find((c) => c.name === change.column)!;
    if (table.primaryKey?.columns.includes(before.name)) {
      throw new LockstepError(`--expand-contract cannot change the type of ${table.name}.${before.name}: it is (part of) the primary key`, {
        hint: 'Change a primary-key column\'s type in a migration of its own (lockstep generate without --expand-contract), planned for a maintenance window.',
      });
    }
    const to = shadowName(before.name);
    if (table.columns.some((c) => c.name === to)) {
      throw new LockstepError(`--expand-contract needs the column name ${table.name}.${to} for the new ${after.type} column, and the table already has it`, { hint: 'Rename or drop that column first.' });
    }
    pairs.push({ table: table.name, from: before.name, to, castTo: after.type, castFrom: before.type });
  }
  // Everything else schema.sql changes must be about those columns (their NOT NULL, default).
  const retyped = new Set(pairs.map((p) => `${p.table}.${p.from}`));
  const rest = diffSchemas(declared, {
    ...replayed,
    tables: replayed.tables.map((t) => ({ ...t, columns: t.columns.map((c) => (retyped.has(`${t.name}.${c.name}`) ? declared.tables.find((d) => d.name === t.name)!.columns.find((d) => d.name === c.name)! : c)) })),
  });
  if (!rest.ok) {
    throw new LockstepError(`--expand-contract writes only the column type changes, but schema.sql also changes:\n${describeChanges(rest.changes)}`, {
      hint: 'Generate those changes in a migration of their own first (without --expand-contract), then run this again.',
    });
  }
  return pairs;
}

/** `<column>_new`, cut to 63 characters (PostgreSQL's identifier limit). */
function shadowName(column: string): string {
  return `${column.slice(0, 63 - 4)}_new`;
}

/**
 * Writes the expand step for `pairs` and the contract step `planContract` gives for the
 * expanded schema, proves both on the scratch database (up reaches schema.sql, each down
 * restores the schema before it), and only then moves them into the migrations folder.
 */
async function stageAndProve(input: ExpandContractInput, pairs: SyncPair[], planContract: (expanded: Schema) => ContractPlan): Promise<GenerateResult> {
  const { db, dialect, declared, replayed } = input;
  const step = expandStepFor(dialect.name);
  const expandUp: string[] = [];
  const expandDown: string[] = [];
  for (const pair of pairs) {
    const declaredName = pair.castTo === undefined ? pair.to : pair.from;
    const column = declared.tables.find((t) => t.name === pair.table)?.columns.find((c) => c.name === declaredName);
    if (!column) throw new LockstepError(`schema.sql has no column ${pair.table}.${declaredName} to rename ${pair.from} to`, { hint: `Declare ${pair.table}.${declaredName} in schema.sql, or fix the --rename hint.` });
    expandUp.push(...step.expand(pair, column));
    expandDown.push(...step.dropSync(pair), `ALTER TABLE ${dialect.quoteIdentifier(pair.table)} DROP COLUMN ${dialect.quoteIdentifier(pair.to)}`);
  }
  const expandName = input.name;
  const contractName = `${input.name}_contract`;
  const expandUpText = withHeaders(render({ statements: expandUp, unsupported: [], requiresForeignKeysOff: false }, 'up', expandName), step.headers);
  const expandDownText = render({ statements: expandDown, unsupported: [], requiresForeignKeysOff: false }, 'down', expandName);

  const staging = join(input.migrationsDir, `.lockstep-generate-${randomBytes(4).toString('hex')}`);
  try {
    const expandDir = writeMigration(staging, `${input.version}_${expandName}`, expandUpText, expandDownText);
    const [expandMigration] = readMigrationsFolder(staging);
    check(await migrateUp(db, [...input.existing, expandMigration!]), `applying the generated expand step (${expandDir})`);
    const expanded = await dialect.introspect(db);
    // The contract step removes the sync triggers itself; plan it from the schema without them.
    const syncTriggers = new Set(pairs.flatMap((r) => step.triggerNames(r)));
    // The sync function is the expand step's too (PostgreSQL): left out the same way.
    const expandedClean: Schema = {
      ...expanded,
      tables: expanded.tables.map((t) => ({ ...t, triggers: t.triggers.filter((tr) => !syncTriggers.has(tr.name)) })),
      ...(expanded.functions ? { functions: expanded.functions.filter((f) => !f.name.startsWith('lockstep_sync_')) } : {}),
    };
    const contract = planContract(expandedClean);
    const contractUpText = withHeaders(render({ unsupported: [], requiresForeignKeysOff: contract.requiresForeignKeysOff, statements: [...pairs.flatMap((r) => step.dropSync(r)), ...contract.up] }, 'up', contractName), [CONTRACT_HEADER]);
    const contractDownText = render({ unsupported: [], requiresForeignKeysOff: contract.requiresForeignKeysOff, statements: [...contract.down, ...pairs.flatMap((r) => step.createSync(r))] }, 'down', contractName);
    const contractVersion = nextVersion([...input.existing, expandMigration!], new Date(input.now.getTime() + 1000));
    const contractDir = writeMigration(staging, `${contractVersion}_${contractName}`, contractUpText, contractDownText);
    const staged = readMigrationsFolder(staging);
    const all = [...input.existing, ...staged];
    check(await migrateUp(db, all), `applying the generated contract step (${contractDir})`);
    const reached = diffSchemas(declared, await dialect.introspect(db));
    if (!reached.ok) {
      throw new LockstepError(`the generated expand and contract steps do not reach schema.sql; nothing was written. Still different:\n${describeChanges(reached.changes)}`, {
        hint: "This is a gap in lockstep's planner for these changes: write the migrations with generate --empty and edit them by hand.",
        exitCode: 1,
      });
    }
    for (const [target, which] of [[expanded, 'contract'], [replayed, 'expand']] as const) {
      check(await migrateDown(db, all, { steps: 1 }), `applying the generated ${which} down.sql`);
      const restored = diffSchemas(target, await dialect.introspect(db), { strictNames: true });
      if (!restored.ok) {
        throw new LockstepError(`the generated ${which} down.sql does not restore the schema before it; nothing was written. Differences:\n${describeChanges(restored.changes)}`, {
          hint: 'Write the migrations with generate --empty and edit down.sql by hand.',
          exitCode: 1,
        });
      }
    }
    const dir = join(input.migrationsDir, `${input.version}_${expandName}`);
    const finalContractDir = join(input.migrationsDir, `${contractVersion}_${contractName}`);
    renameSync(expandDir, dir);
    renameSync(contractDir, finalContractDir);
    return {
      status: 'written',
      dir,
      version: input.version,
      up: expandUpText,
      down: expandDownText,
      changes: input.changes,
      renames: input.confirmed,
      contract: { dir: finalContractDir, version: contractVersion, up: contractUpText, down: contractDownText },
    };
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

/** A rename's contract: drop the old column, give the new one its constraints; down puts the old one back, filled. */
function renameContract(dialect: Dialect, expandedClean: Schema, declared: Schema, renames: ColumnRename[]): ContractPlan {
  const upPlan = usable(dialect.planMigration(expandedClean, declared), 'the contract up.sql');
  // Down: the old column comes back nullable, is filled from the new one, then gets its constraints.
  const renamedFrom = new Set(renames.map((r) => `${r.table}.${r.from}`));
  const fromNullable = withNullable(expandedClean, renamedFrom);
  const addBack = usable(dialect.planMigration(declared, fromNullable), 'the contract down.sql');
  const tighten = usable(dialect.planMigration(fromNullable, expandedClean), 'the contract down.sql');
  const restore = renames.map((r) => `UPDATE ${dialect.quoteIdentifier(r.table)} SET ${dialect.quoteIdentifier(r.from)} = ${dialect.quoteIdentifier(r.to)}`);
  return {
    up: upPlan.statements,
    down: [...addBack.statements, ...restore, ...tighten.statements],
    requiresForeignKeysOff: Boolean(upPlan.requiresForeignKeysOff || addBack.requiresForeignKeysOff || tighten.requiresForeignKeysOff),
  };
}

/**
 * A type change's contract: drop the old column (and what is built on it), rename the
 * shadow column into its place, give it the declared constraints and indexes. Down runs
 * it backwards, filling the old column from the new one, cast back.
 */
function typeChangeContract(dialect: Dialect, expandedClean: Schema, declared: Schema, pairs: SyncPair[]): ContractPlan {
  const q = (name: string) => dialect.quoteIdentifier(name);
  const old = new Set(pairs.map((p) => `${p.table}.${p.from}`));
  const withoutOld = withoutColumns(expandedClean, old);
  const swapped = renameColumns(withoutOld, pairs.map((p) => ({ table: p.table, from: p.to, to: p.from })));
  const drop = usable(dialect.planMigration(expandedClean, withoutOld), 'the contract up.sql');
  const finish = usable(dialect.planMigration(swapped, declared), 'the contract up.sql');
  const unfinish = usable(dialect.planMigration(declared, swapped), 'the contract down.sql');
  const oldNullable = withNullable(expandedClean, old);
  const addBack = usable(dialect.planMigration(withoutOld, oldNullable), 'the contract down.sql');
  const tighten = usable(dialect.planMigration(oldNullable, expandedClean), 'the contract down.sql');
  return {
    up: [...drop.statements, ...pairs.map((p) => `ALTER TABLE ${q(p.table)} RENAME COLUMN ${q(p.to)} TO ${q(p.from)}`), ...finish.statements],
    down: [
      ...unfinish.statements,
      ...pairs.map((p) => `ALTER TABLE ${q(p.table)} RENAME COLUMN ${q(p.from)} TO ${q(p.to)}`),
      ...addBack.statements,
      ...pairs.map((p) => `UPDATE ${q(p.table)} SET ${q(p.from)} = ${castTo(q(p.to), p.castFrom)}`),
      ...tighten.statements,
    ],
    requiresForeignKeysOff: [drop, finish, unfinish, addBack, tighten].some((plan) => Boolean(plan.requiresForeignKeysOff)),
  };
}

/** `schema` with the columns `table.column` in `keys` nullable. */
function withNullable(schema: Schema, keys: ReadonlySet<string>): Schema {
  return { ...schema, tables: schema.tables.map((t) => ({ ...t, columns: t.columns.map((c) => (keys.has(`${t.name}.${c.name}`) ? { ...c, nullable: true } : c)) })) };
}

/** `schema` without the columns `table.column` in `keys`, nor the indexes, uniques, foreign keys and checks built on them. */
function withoutColumns(schema: Schema, keys: ReadonlySet<string>): Schema {
  const word = (name: string) => new RegExp(`(?<![\\w$])"?${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}"?(?![\\w$])`, 'i');
  return {
    ...schema,
    tables: schema.tables.map((t) => {
      const gone = t.columns.filter((c) => keys.has(`${t.name}.${c.name}`)).map((c) => c.name);
      if (gone.length === 0) return t;
      const uses = (columns: string[]) => columns.some((c) => gone.includes(c));
      return {
        ...t,
        columns: t.columns.filter((c) => !gone.includes(c.name)),
        uniques: t.uniques.filter((u) => !uses(u.columns)),
        foreignKeys: t.foreignKeys.filter((f) => !uses(f.columns)),
        indexes: t.indexes.filter((i) => !i.keys.some((k) => (k.column ? gone.includes(k.column) : gone.some((g) => word(g).test(k.expression ?? ''))))),
        checks: t.checks.filter((c) => !gone.some((g) => word(g).test(c.expression))),
      };
    }),
  };
}

function withHeaders(script: string, headers: string[]): string {
  return headers.length === 0 ? script : `${headers.join('\n')}\n${script}`;
}
