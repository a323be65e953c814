import { readFileSync } from 'node:fs';
import { getDialect } from '../../dialects/index.js';
import { compareOptions, compareSetting } from '../../core/config.js';
import { checkSchema } from '../../check/check.js';
import type { SchemaChange } from '../../core/schema-change.js';
import { displayPath } from '../../sources/display-path.js';
import { locateTable } from '../../sources/locate-in-script.js';
import { type Command, PROJECT_SETTINGS } from '../command.js';
import { createStyle } from '../../report/style.js';
import { type GithubLocation, renderCheckText, renderGithubAnnotations } from '../../report/render-check-report.js';
import { reportFormat } from './check-format.js';

export const checkCommand: Command = {
  name: 'check',
  summary: 'compare the live database with schema.sql or the ORM models / the migrations (exit 0 in sync, 1 drift or broken models, 2 error)',
  reads: PROJECT_SETTINGS,
  options: {
    json: { type: 'boolean', description: 'print the JSON report' },
    format: { type: 'string', placeholder: 'FORMAT', description: 'text (default), json or github (workflow annotations)' },
    'strict-names': { type: 'boolean', description: 'also report constraints and indexes that differ only by name' },
    compare: { type: 'string', placeholder: 'LIST', description: 'also compare comments, grants, extension-versions (comma-separated; config "check": { "compare": […] })' },
  },
  async run(args, ctx) {
    const format = reportFormat(args);
    const config = ctx.config();
    const compare = compareOptions(compareSetting(args.values.compare as string | undefined, config));
    const report = await checkSchema({ config, strictNames: Boolean(args.values['strict-names']), compare });
    if (format === 'json') ctx.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    else if (format === 'github') ctx.stdout.write(renderGithubAnnotations(report, report.expected.kind === 'models' ? undefined : schemaFileLocator(config.schema, report.dialect)));
    else ctx.stdout.write(renderCheckText(report, createStyle(ctx.color), { command: 'check' }));
    return report.ok ? 0 : 1;
  },
};

/** Pins a change to the `CREATE TABLE` of its table in the schema file, when it is there. */
function schemaFileLocator(schemaFile: string | undefined, dialectName: 'postgres' | 'sqlite'): (change: SchemaChange) => GithubLocation | undefined {
  if (!schemaFile || !/\.sql$/i.test(schemaFile)) return () => undefined;
  const file = displayPath(schemaFile);
  let script: string;
  try {
    script = readFileSync(schemaFile, 'utf8');
  } catch {
    return () => undefined;
  }
  const dialect = getDialect(dialectName);
  return (change) => {
    if (change.kind.startsWith('enum.') || change.kind.startsWith('view.')) return { file };
    const at = locateTable(dialect, [{ file, script }], change.table);
    return at ? { file, line: at.line } : { file };
  };
}
