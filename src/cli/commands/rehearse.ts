import type { Database } from '../../dialects/database.js';
import { connect } from '../../dialects/index.js';
import { LockstepError } from '../../core/errors.js';
import { migrationsNamed, pendingMigrations } from '../../lint/select-migrations.js';
import { compareVersions, type Migration, readMigrationsFolder } from '../../migrations/migration-folder.js';
import { formatRehearsalText } from '../../report/rehearsal-text.js';
import { rehearse } from '../../rehearse/rehearse.js';
import { rehearsalTimeouts } from '../../rehearse/rehearsal-settings.js';
import type { Command, CommandContext } from '../command.js';
import { createStyle } from '../../report/style.js';

export const rehearseCommand: Command = {
  name: 'rehearse',
  summary: 'apply the pending migrations to the live database and roll back, reporting failures in data terms (exit 1 if one fails)',
  reads: ['url', 'config', 'migrations'],
  args: '[MIGRATION...]',
  allowPositionals: true,
  options: {
    json: { type: 'boolean', description: 'print the JSON report' },
    'lock-timeout': { type: 'string', placeholder: 'DURATION', description: 'PostgreSQL lock_timeout during the rehearsal (default 2s)' },
    'statement-timeout': { type: 'string', placeholder: 'DURATION', description: 'PostgreSQL statement_timeout during the rehearsal (default 30s)' },
    'time-budget': { type: 'string', placeholder: 'DURATION', description: 'PostgreSQL: the longest the whole rehearsal may hold its locks on the live database (default 30s)' },
  },
  async run(args, ctx) {
    const config = ctx.config();
    if (!config.migrations) {
      throw new LockstepError(`no migrations folder: ${config.root}/migrations does not exist`, { hint: 'Create migrations/, or pass --migrations DIR (or set "migrations" in lockstep.config.json).' });
    }
    const timeouts = rehearsalTimeouts(config, { lockTimeout: args.values['lock-timeout'], statementTimeout: args.values['statement-timeout'], timeBudget: args.values['time-budget'] });
    const migrations = readMigrationsFolder(config.migrations);
    const db = await connect(config.url, { applicationName: 'lockstep rehearse', mustExist: true });
    try {
      const selected = args.positionals.length > 0 ? migrationsNamed(migrations, args.positionals, ctx.cwd) : await pendingMigrations(config.url, migrations, { db, suggestAll: false });
      const report = await rehearse({ db, url: config.url, migrations: selected, timeouts, cwd: ctx.cwd });
      ctx.stdout.write(args.values.json ? `${JSON.stringify(report, null, 2)}\n` : formatRehearsalText(report, createStyle(ctx.color)));
      return report.ok ? 0 : 1;
    } finally {
      await db.close();
    }
  },
};

/**
 * `lockstep migrate up --rehearse`: rehearses the migrations `migrate up` is about to
 * apply (pending, up to `to`) and prints the report. Returns `ok: false` when one would fail,
 * in which case the caller applies nothing. `print: false` (for --json) leaves the report to the caller.
 */
export async function rehearseBeforeMigrate(
  ctx: CommandContext,
  db: Database,
  migrations: Migration[],
  to: string | undefined,
  options: { print?: boolean } = {},
): Promise<{ ok: boolean; report?: Awaited<ReturnType<typeof rehearse>> }> {
  const config = ctx.config();
  const timeouts = rehearsalTimeouts(config, {});
  const pending = (await pendingMigrations(config.url, migrations, { db, suggestAll: false })).filter((m) => to === undefined || compareVersions(m.version, to) <= 0);
  if (pending.length === 0) return { ok: true };
  const report = await rehearse({ db, url: config.url, migrations: pending, timeouts, cwd: ctx.cwd });
  if (options.print !== false) ctx.stdout.write(formatRehearsalText(report, createStyle(ctx.color)));
  if (!report.ok) ctx.stderr.write('rehearsal failed: nothing was applied\n');
  return { ok: report.ok, report };
}
