import { LockstepError } from '../../core/errors.js';
import { migrateDown } from '../../migrations/migrate-down.js';
import type { Command } from '../command.js';
import { JSON_OPTION, migrateOutcomeJson, printJson } from './json-output.js';
import { finishOutcome, LOCK_TIMEOUT_OPTION, lockTimeoutMs, openMigrations, progressPrinter, wholeNumber } from './migrate-common.js';

export const migrateDownCommand: Command = {
  name: 'migrate down',
  summary: 'revert applied migrations with their down.sql (default: the last one)',
  reads: ['url', 'config', 'migrations'],
  options: {
    steps: { type: 'string', placeholder: 'N', description: 'revert the last N applied migrations' },
    to: { type: 'string', placeholder: 'VERSION', description: 'revert every migration newer than VERSION (0: all)' },
    'lock-timeout': LOCK_TIMEOUT_OPTION,
    json: JSON_OPTION,
  },
  async run(args, ctx) {
    const lockTimeout = lockTimeoutMs(args.values['lock-timeout']);
    const steps = wholeNumber(args.values.steps, '--steps');
    const to = args.values.to as string | undefined;
    if (steps !== undefined && to !== undefined) {
      throw new LockstepError('migrate down takes --steps N or --to VERSION, not both', { hint: 'Pass one of them.' });
    }
    const json = Boolean(args.values.json);
    const { db, migrations } = await openMigrations(ctx, { mustExist: true });
    const progress = progressPrinter(ctx, { quiet: json });
    try {
      const outcome = await migrateDown(db, migrations, { steps, to, onProgress: progress.onProgress, lockTimeoutMs: lockTimeout });
      progress.stop();
      if (json) {
        if (outcome.error) throw outcome.error;
        const report = migrateOutcomeJson(outcome, db, 'down');
        printJson(ctx, report);
        return report.ok ? 0 : 1;
      }
      const code = finishOutcome(ctx, outcome, 'down');
      if (code === 0 && outcome.results.length === 0) ctx.stdout.write(`nothing to revert: no migration of ${db.displayUrl} matches\n`);
      return code;
    } finally {
      progress.stop();
      await db.close();
    }
  },
};
