import { migrateDown } from '../../migrations/migrate-down.js';
import type { Command } from '../command.js';
import { finishOutcome, openMigrations, progressPrinter, wholeNumber } from './migrate-common.js';

export const migrateDownCommand: Command = {
  name: 'migrate down',
  summary: 'revert applied migrations with their down.sql (default: the last one)',
  reads: ['url', 'config', 'migrations'],
  options: {
    steps: { type: 'string', placeholder: 'N', description: 'revert the last N applied migrations' },
    to: { type: 'string', placeholder: 'VERSION', description: 'revert every migration newer than VERSION (0: all)' },
  },
  async run(args, ctx) {
    const steps = wholeNumber(args.values.steps, '--steps');
    const to = args.values.to as string | undefined;
    if (steps !== undefined && to !== undefined) {
      ctx.stderr.write('error: migrate down takes --steps N or --to VERSION, not both\n');
      return 2;
    }
    const { db, migrations } = await openMigrations(ctx);
    const progress = progressPrinter(ctx);
    try {
      const outcome = await migrateDown(db, migrations, { steps, to, onProgress: progress.onProgress });
      progress.stop();
      const code = finishOutcome(ctx, outcome, 'down');
      if (code === 0 && outcome.results.length === 0) ctx.stdout.write(`nothing to revert: no migration of ${db.displayUrl} matches\n`);
      return code;
    } finally {
      progress.stop();
      await db.close();
    }
  },
};
