import { parseConnectionUrl } from '../../dialects/connection-url.js';
import { getDialect } from '../../dialects/index.js';
import { compareOptions, compareSetting } from '../../core/config.js';
import { LockstepError } from '../../core/errors.js';
import { diffSources } from '../../check/diff-sources.js';
import type { Command } from '../command.js';
import { createStyle } from '../../report/style.js';
import { renderCheckText, renderGithubAnnotations } from '../../report/render-check-report.js';
import { reportFormat } from './check-format.js';

export const diffCommand: Command = {
  name: 'diff',
  summary: 'compare two schema sources (URL, .sql file, migrations folder, snapshot .json, ORM models); exit 1 when they differ',
  reads: ['url', 'dev-url', 'config', 'schema-kind'],
  options: {
    from: { type: 'string', placeholder: 'SRC', description: 'the schema to start from (the "actual" side)' },
    to: { type: 'string', placeholder: 'SRC', description: 'the schema to reach (the "expected" side)' },
    sql: { type: 'boolean', description: 'print the SQL that takes FROM to TO (exit 0)' },
    json: { type: 'boolean', description: 'print the JSON report' },
    format: { type: 'string', placeholder: 'FORMAT', description: 'text (default), json or github' },
    'strict-names': { type: 'boolean', description: 'also report constraints and indexes that differ only by name' },
    compare: { type: 'string', placeholder: 'LIST', description: 'also compare comments, grants, extension-versions (comma-separated; config "check": { "compare": […] })' },
  },
  async run(args, ctx) {
    const from = args.values.from as string | undefined;
    const to = args.values.to as string | undefined;
    if (!from || !to) {
      throw new LockstepError(`lockstep diff needs ${!from && !to ? '--from and --to' : !from ? '--from' : '--to'}`, {
        hint: 'Example: lockstep diff --from migrations --to schema.sql (each a database URL, a .sql file, a migrations folder or a snapshot .json).',
      });
    }
    const format = reportFormat(args);
    // A .sql file or a folder does not say which database it is for: use the configured one's.
    const config = ctx.config();
    const compare = compareOptions(compareSetting(args.values.compare as string | undefined, config));
    const { report, from: fromSchema, to: toSchema } = await diffSources({
      from,
      to,
      cwd: ctx.cwd,
      dialect: parseConnectionUrl(config.url).dialect,
      ...(config.devUrl ? { devUrl: config.devUrl } : {}),
      strictNames: Boolean(args.values['strict-names']),
      compare,
      ...(config.schemaKind ? { schemaKind: config.schemaKind } : {}),
    });
    if (args.values.sql) {
      const plan = getDialect(report.dialect).planMigration(fromSchema, toSchema, { compare });
      if (plan.unsupported.length > 0) {
        throw new LockstepError(`${plan.unsupported.length} change${plan.unsupported.length === 1 ? '' : 's'} cannot be expressed in ${report.dialect} SQL:\n${plan.unsupported.map((c) => `  ${c.message}`).join('\n')}`, {
          hint: 'Write these steps by hand (lockstep generate --empty NAME gives a blank migration).',
        });
      }
      ctx.stdout.write(plan.statements.length === 0 ? '-- no changes\n' : `${plan.statements.map((s) => (s.trimEnd().endsWith(';') ? s.trimEnd() : `${s.trimEnd()};`)).join('\n')}\n`);
      return 0;
    }
    if (format === 'json') ctx.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    else if (format === 'github') ctx.stdout.write(renderGithubAnnotations(report));
    else ctx.stdout.write(renderCheckText(report, createStyle(ctx.color), { command: 'diff' }));
    return report.ok ? 0 : 1;
  },
};
