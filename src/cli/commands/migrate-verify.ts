import { verifyMigrations } from '../../migrations/verify-migrations.js';
import type { Command } from '../command.js';
import { createStyle } from '../../report/style.js';
import { JSON_OPTION, printJson } from './json-output.js';
import { openMigrations, printProblems } from './migrate-common.js';

export const migrateVerifyCommand: Command = {
  name: 'migrate verify',
  summary: 'check that applied migrations are unchanged, present, and pending ones are not out of order',
  reads: ['url', 'config', 'migrations'],
  options: {
    'allow-out-of-order': { type: 'boolean', description: 'accept pending migrations older than the last applied one' },
    json: JSON_OPTION,
  },
  async run(args, ctx) {
    const { db, migrations } = await openMigrations(ctx, { mustExist: true });
    try {
      const problems = await verifyMigrations(db, migrations, { allowOutOfOrder: Boolean(args.values['allow-out-of-order']) });
      if (args.values.json) {
        printJson(ctx, { ok: problems.length === 0, dialect: db.dialect, database: db.displayUrl, migrations: migrations.length, problems });
        return problems.length === 0 ? 0 : 1;
      }
      const style = createStyle(ctx.color);
      if (problems.length > 0) {
        printProblems(ctx, problems, style);
        ctx.stderr.write(`${problems.length} problem${problems.length === 1 ? '' : 's'}: migrate up would refuse to run\n`);
        return 1;
      }
      ctx.stdout.write(`${style.green('ok')}: ${migrations.length} migration${migrations.length === 1 ? '' : 's'}, none edited, missing or out of order\n`);
      return 0;
    } finally {
      await db.close();
    }
  },
};
