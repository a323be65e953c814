import { renameSync, rmSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { Database } from '../dialects/database.js';
import type { Dialect } from '../dialects/dialect.js';
import { diffSchemas } from '../core/diff-schemas.js';
import { LockstepError } from '../core/errors.js';
import type { Schema } from '../core/model.js';
import { type ColumnRename, renameColumns } from '../core/rename-columns.js';
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
 * A column rename as two migrations instead of one `RENAME COLUMN`: the **expand** step
 * adds the new column, keeps old and new in step with triggers and backfills it; the
 * **contract** step, a later migration marked `-- lockstep:contract`, removes the triggers
 * and the old column and gives the new one its declared constraints. Both are proven on
 * the scratch database (up reaches schema.sql, each down restores the schema before it)
 * before either is written.
 */
export async function generateExpandContract(input: ExpandContractInput): Promise<GenerateResult> {
  const { db, dialect, declared, replayed } = input;
  const renames: ColumnRename[] = input.confirmed.filter((r) => r.kind === 'column').map((r) => ({ table: r.table, from: r.from, to: r.to }));
  if (renames.length === 0 || renames.length !== input.confirmed.length) {
    throw new LockstepError('--expand-contract writes the steps of column renames, and this change has ' + (renames.length === 0 ? 'none' : 'a table rename too'), {
      hint: 'Confirm each column rename with --rename table.old=new; generate table renames and other changes in a migration of their own first.',
    });
  }
  const rest = diffSchemas(declared, renameColumns(replayed, renames));
  if (!rest.ok) {
    throw new LockstepError(`--expand-contract writes only the renames, but schema.sql also changes:\n${describeChanges(rest.changes)}`, {
      hint: 'Generate those changes in a migration of their own first (without --expand-contract), then run this again.',
    });
  }
  const step = expandStepFor(dialect.name);
  const expandUp: string[] = [];
  const expandDown: string[] = [];
  for (const rename of renames) {
    const column = declared.tables.find((t) => t.name === rename.table)?.columns.find((c) => c.name === rename.to);
    if (!column) throw new LockstepError(`schema.sql has no column ${rename.table}.${rename.to} to rename ${rename.from} to`);
    expandUp.push(...step.expand(rename, column));
    expandDown.push(...step.dropSync(rename), `ALTER TABLE ${dialect.quoteIdentifier(rename.table)} DROP COLUMN ${dialect.quoteIdentifier(rename.to)}`);
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
    const syncTriggers = new Set(renames.flatMap((r) => step.triggerNames(r)));
    // The sync function is the expand step's too (PostgreSQL): left out the same way.
    const expandedClean: Schema = {
      ...expanded,
      tables: expanded.tables.map((t) => ({ ...t, triggers: t.triggers.filter((tr) => !syncTriggers.has(tr.name)) })),
      ...(expanded.functions ? { functions: expanded.functions.filter((f) => !f.name.startsWith('lockstep_sync_')) } : {}),
    };
    const upPlan = usable(dialect.planMigration(expandedClean, declared), 'the contract up.sql');
    // Down: the old column comes back nullable, is filled from the new one, then gets its constraints.
    const renamedFrom = new Set(renames.map((r) => `${r.table}.${r.from}`));
    const fromNullable: Schema = { ...expandedClean, tables: expandedClean.tables.map((t) => ({ ...t, columns: t.columns.map((c) => (renamedFrom.has(`${t.name}.${c.name}`) ? { ...c, nullable: true } : c)) })) };
    const addBack = usable(dialect.planMigration(declared, fromNullable), 'the contract down.sql');
    const tighten = usable(dialect.planMigration(fromNullable, expandedClean), 'the contract down.sql');
    const contractUpText = withHeaders(render({ ...upPlan, statements: [...renames.flatMap((r) => step.dropSync(r)), ...upPlan.statements] }, 'up', contractName), [CONTRACT_HEADER]);
    const restore = renames.map((r) => `UPDATE ${dialect.quoteIdentifier(r.table)} SET ${dialect.quoteIdentifier(r.from)} = ${dialect.quoteIdentifier(r.to)}`);
    const contractDownText = render(
      { unsupported: [], requiresForeignKeysOff: Boolean(addBack.requiresForeignKeysOff || tighten.requiresForeignKeysOff), statements: [...addBack.statements, ...restore, ...tighten.statements, ...renames.flatMap((r) => step.createSync(r))] },
      'down',
      contractName,
    );
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

function withHeaders(script: string, headers: string[]): string {
  return headers.length === 0 ? script : `${headers.join('\n')}\n${script}`;
}
