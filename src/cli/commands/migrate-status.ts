import { migrationStatus } from '../../migrations/migration-status.js';
import { describeLockHolder } from '../../migrations/migration-store.js';
import type { Command } from '../command.js';
import { createStyle } from '../../report/style.js';
import { formatMs, openMigrations, printProblems } from './migrate-common.js';

export const migrateStatusCommand: Command = {
  name: 'migrate status',
  summary: 'list applied and pending migrations, with checksum state',
  reads: ['url', 'config', 'migrations'],
  options: {
    json: { type: 'boolean', description: 'print JSON' },
  },
  async run(args, ctx) {
    const { db, migrations } = await openMigrations(ctx, { mustExist: true });
    try {
      const status = await migrationStatus(db, migrations);
      const ok = status.problems.length === 0;
      if (args.values.json) {
        ctx.stdout.write(`${JSON.stringify({ ok, dialect: db.dialect, database: db.displayUrl, ...status }, null, 2)}\n`);
        return ok ? 0 : 1;
      }
      const style = createStyle(ctx.color);
      ctx.stdout.write(`${style.bold(db.displayUrl)}  current version: ${status.current ?? 'none'}\n`);
      for (const entry of status.migrations) {
        const state =
          entry.state === 'applied'
            ? entry.checksum === 'changed'
              ? style.red('edited  ')
              : style.green('applied ')
            : entry.state === 'pending'
              ? style.yellow('pending ')
              : style.red('missing ');
        const when = entry.appliedAt ? style.dim(`  ${entry.appliedAt}  ${formatMs(entry.durationMs ?? 0)}  ${entry.appliedBy}`) : '';
        const noDown = entry.state !== 'missing' && !entry.hasDown ? style.dim('  (no down.sql)') : '';
        const downEdited = entry.downChecksum === 'changed' ? style.red('  (down.sql edited)') : '';
        const repaired = entry.repairedAt ? style.dim(`  repaired ${entry.repairedAt} by ${entry.repairedBy}`) : '';
        ctx.stdout.write(`  ${state} ${entry.version}_${entry.name}${when}${noDown}${downEdited}${repaired}\n`);
      }
      ctx.stdout.write(`${status.applied} applied, ${status.pending} pending\n`);
      ctx.stdout.write(status.lock ? `${style.yellow('lock')}: held by ${describeLockHolder(status.lock)}\n` : `lock: free (no migrate run holds it)\n`);
      printProblems(ctx, status.problems, style);
      return ok ? 0 : 1;
    } finally {
      await db.close();
    }
  },
};
