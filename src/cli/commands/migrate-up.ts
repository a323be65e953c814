import { migrateUp } from '../../migrations/migrate-up.js';
import type { Command } from '../command.js';
import { finishOutcome, formatMs, LOCK_TIMEOUT_OPTION, lockTimeoutMs, openMigrations, progressPrinter } from './migrate-common.js';
import { JSON_OPTION, migrateOutcomeJson, printJson } from './json-output.js';
import { rehearseBeforeMigrate } from './rehearse.js';

export const migrateUpCommand: Command = {
  name: 'migrate up',
  summary: 'apply pending migrations (verified first, each in its own transaction, under a lock)',
  reads: ['url', 'config', 'migrations'],
  options: {
    to: { type: 'string', placeholder: 'VERSION', description: 'apply up to and including VERSION' },
    'allow-out-of-order': { type: 'boolean', description: 'apply pending migrations older than the last applied one' },
    rehearse: { type: 'boolean', description: 'rehearse the pending migrations first (lockstep rehearse) and apply nothing if one fails' },
    'lock-timeout': LOCK_TIMEOUT_OPTION,
    json: JSON_OPTION,
  },
  async run(args, ctx) {
    const lockTimeout = lockTimeoutMs(args.values['lock-timeout']);
    const json = Boolean(args.values.json);
    const { db, migrations } = await openMigrations(ctx);
    const progress = progressPrinter(ctx, { quiet: json });
    try {
      if (args.values.rehearse) {
        const rehearsal = await rehearseBeforeMigrate(ctx, db, migrations, args.values.to as string | undefined, { print: !json });
        if (!rehearsal.ok) {
          if (json) printJson(ctx, { ...migrateOutcomeJson({ ok: false, results: [], problems: [] }, db, 'up'), rehearsal: rehearsal.report });
          return 1;
        }
      }
      const outcome = await migrateUp(db, migrations, {
        to: args.values.to as string | undefined,
        allowOutOfOrder: Boolean(args.values['allow-out-of-order']),
        onProgress: progress.onProgress,
        lockTimeoutMs: lockTimeout,
      });
      progress.stop();
      if (json) {
        if (outcome.error) throw outcome.error;
        const report = migrateOutcomeJson(outcome, db, 'up');
        printJson(ctx, report);
        return report.ok ? 0 : 1;
      }
      const code = finishOutcome(ctx, outcome, 'up');
      if (code === 0) {
        const applied = outcome.results.filter((r) => r.status === 'applied');
        if (applied.length === 0) ctx.stdout.write(`nothing to do: ${db.displayUrl} is up to date (${migrations.length} migration${migrations.length === 1 ? '' : 's'})\n`);
        else ctx.stdout.write(`${applied.length} migration${applied.length === 1 ? '' : 's'} applied in ${formatMs(applied.reduce((s, r) => s + r.durationMs, 0))}\n`);
      }
      return code;
    } finally {
      progress.stop();
      await db.close();
    }
  },
};
