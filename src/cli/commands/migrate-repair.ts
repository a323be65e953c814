import { createInterface } from 'node:readline/promises';
import { LockstepError } from '../../core/errors.js';
import { type RepairEntry, repairMigrations } from '../../migrations/repair-migrations.js';
import type { Command, CommandContext } from '../command.js';
import { createStyle } from '../../report/style.js';
import { openMigrations } from './migrate-common.js';

export const migrateRepairCommand: Command = {
  name: 'migrate repair',
  reads: ['url', 'config', 'migrations'],
  summary: 'accept intentional edits of applied migrations (up.sql or down.sql) and old version strings: update the history, run nothing',
  options: {
    yes: { type: 'boolean', short: 'y', description: 'accept every edit without asking (required when not on a terminal)' },
    json: { type: 'boolean', description: 'print JSON' },
  },
  async run(args, ctx) {
    const { db, migrations } = await openMigrations(ctx, { mustExist: true });
    const json = Boolean(args.values.json);
    const style = createStyle(ctx.color);
    try {
      const outcome = await repairMigrations(db, migrations, {
        confirm: (plan) => {
          if (!json) printPlan(ctx, plan, style);
          if (args.values.yes) return true;
          if (process.stdin.isTTY && ctx.stderr.isTTY) return askOnTerminal(plan.length);
          throw new LockstepError(`migrate repair would accept ${plan.length} change${plan.length === 1 ? '' : 's'} to applied migrations, and was not confirmed`, {
            hint: 'Check each edit changes nothing already applied (git diff), then run lockstep migrate repair --yes (or run it on a terminal to confirm).',
          });
        },
      });
      if (json) {
        ctx.stdout.write(`${JSON.stringify({ ok: outcome.confirmed, dialect: db.dialect, database: db.displayUrl, ...outcome }, null, 2)}\n`);
        return outcome.confirmed ? 0 : 1;
      }
      if (!outcome.confirmed) {
        ctx.stdout.write('nothing was repaired\n');
        return 1;
      }
      if (outcome.repaired.length === 0) {
        ctx.stdout.write(`nothing to repair: every applied migration of ${db.displayUrl} matches its files\n`);
        return 0;
      }
      ctx.stdout.write(`${style.green('repaired')} ${outcome.repaired.length} change${outcome.repaired.length === 1 ? '' : 's'} in lockstep_migrations (${outcome.repairedBy}, ${outcome.repairedAt})\n`);
      return 0;
    } finally {
      await db.close();
    }
  },
};

function printPlan(ctx: CommandContext, plan: RepairEntry[], style: ReturnType<typeof createStyle>): void {
  ctx.stdout.write(`${plan.length} change${plan.length === 1 ? '' : 's'} to applied migrations to accept:\n`);
  for (const e of plan) {
    const change = e.script === 'version' ? `recorded as version ${e.recorded}, now ${e.current}` : `${e.script === 'up' ? 'edited' : 'down.sql edited'}, checksum ${e.recorded.slice(0, 12)} → ${e.current.slice(0, 12)}`;
    ctx.stdout.write(`  ${e.file}  ${style.dim(change)}\n`);
  }
}

async function askOnTerminal(count: number): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    const answer = await rl.question(`Accept ${count === 1 ? 'this change' : `these ${count} changes`} in lockstep_migrations (no migration runs)? [y/N] `);
    return /^y(es)?$/i.test(answer.trim());
  } finally {
    rl.close();
  }
}
