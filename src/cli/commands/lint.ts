import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { getDialect } from '../../dialects/index.js';
import { parseConnectionUrl } from '../../dialects/connection-url.js';
import { LockstepError } from '../../core/errors.js';
import { formatLintGithub } from '../../report/lint-github.js';
import { formatLintJson } from '../../report/lint-json.js';
import { formatLintSarif } from '../../report/lint-sarif.js';
import { formatLintText } from '../../report/lint-text.js';
import { lintMigrations } from '../../lint/lint.js';
import { migrationsNamed, pendingMigrations } from '../../lint/select-migrations.js';
import { readMigrationsFolder } from '../../migrations/migration-folder.js';
import type { Command } from '../command.js';
import type { LockstepConfig } from '../../core/config.js';
import { detectModelKind } from '../../sources/models/index.js';
import type { ModelKind } from '../../sources/models/model-source.js';
import { createStyle } from '../../report/style.js';

const FORMATS = ['text', 'json', 'github', 'sarif'] as const;

export const lintCommand: Command = {
  name: 'lint',
  summary: 'check migrations for unsafe changes and for code in src/ that still uses what they drop (exit 1 on errors)',
  reads: ['url', 'dev-url', 'config', 'schema', 'schema-kind', 'migrations'],
  args: '[MIGRATION...]',
  allowPositionals: true,
  options: {
    all: { type: 'boolean', description: 'lint every migration (default: the pending ones); also lists ignored findings' },
    json: { type: 'boolean', description: 'print the JSON report' },
    format: { type: 'string', placeholder: 'FORMAT', description: 'text (default), json, github (workflow annotations) or sarif (SARIF 2.1.0)' },
    src: { type: 'string', placeholder: 'DIR', description: 'application source scanned for code references (default src/)' },
    deployed: { type: 'string', placeholder: 'REF', description: 'git ref of the release running in production (else LOCKSTEP_DEPLOYED_REF): its code in src/ must survive each migration' },
  },
  async run(args, ctx) {
    const format = (args.values.json ? 'json' : ((args.values.format as string | undefined) ?? 'text')) as (typeof FORMATS)[number];
    if (!FORMATS.includes(format)) throw new LockstepError(`unknown --format ${format}`, { hint: `Use one of: ${FORMATS.join(', ')}.` });
    if (args.values.json && args.values.format && args.values.format !== 'json') {
      throw new LockstepError(`--json and --format ${args.values.format} contradict each other`, { hint: 'Pass only one of them.' });
    }
    const all = Boolean(args.values.all);
    if (all && args.positionals.length > 0) throw new LockstepError('--all and a list of migrations contradict each other', { hint: 'Pass --all or migration names, not both.' });
    const config = ctx.config();
    if (!config.migrations) {
      throw new LockstepError(`no migrations folder: ${config.root}/migrations does not exist`, { hint: 'Create migrations/, or pass --migrations DIR (or set "migrations" in lockstep.config.json).' });
    }
    const migrations = readMigrationsFolder(config.migrations);
    const selected = all ? migrations : args.positionals.length > 0 ? migrationsNamed(migrations, args.positionals, ctx.cwd) : await pendingMigrations(config.url, migrations);
    const dialect = getDialect(parseConnectionUrl(config.url).dialect);
    const report = await lintMigrations({
      dialect,
      migrations,
      only: new Set(selected.map((m) => m.version)),
      devUrl: config.devUrl,
      srcDir: config.src,
      tsconfig: projectTsconfig(config.root),
      deployedRef: deployedRef(args.values.deployed as string | undefined, ctx.env),
      ...(modelSchema(config) ? { models: modelSchema(config) } : {}),
      cwd: ctx.cwd,
    });
    if (format === 'json') ctx.stdout.write(formatLintJson(report, { includeIgnored: all }));
    else if (format === 'github') ctx.stdout.write(formatLintGithub(report));
    else if (format === 'sarif') ctx.stdout.write(formatLintSarif(report, await packageVersion()));
    else ctx.stdout.write(formatLintText(report, createStyle(ctx.color), { includeIgnored: all }));
    return report.ok ? 0 : 1;
  },
};

/** `--deployed REF`, else LOCKSTEP_DEPLOYED_REF; an empty value is a mistake, not "none". */
function deployedRef(flag: string | undefined, env: NodeJS.ProcessEnv): string | undefined {
  const [value, source] = flag !== undefined ? [flag, '--deployed'] : [env.LOCKSTEP_DEPLOYED_REF, 'LOCKSTEP_DEPLOYED_REF'];
  if (value === undefined) return undefined;
  if (value.trim() === '') throw new LockstepError(`${source} is empty`, { hint: 'Give the git ref of the release running in production, e.g. --deployed v1.4.0 or --deployed origin/production; unset LOCKSTEP_DEPLOYED_REF to lint without it.' });
  return value.trim();
}

/** The configured schema when it is ORM models: their fields count as readers of what a migration drops. */
function modelSchema(config: LockstepConfig): { path: string; kind?: ModelKind; root: string } | undefined {
  if (!config.schema || config.schemaKind === 'sql' || /^(postgres(ql)?:|sqlite:)/i.test(config.schema)) return undefined;
  const kind = config.schemaKind ?? detectModelKind(config.schema);
  return kind ? { path: config.schema, kind, root: config.root } : undefined;
}

/** The project's tsconfig.json, beside lockstep.config.json (or in the working directory). */
function projectTsconfig(root: string): string | undefined {
  const path = join(root, 'tsconfig.json');
  return existsSync(path) ? path : undefined;
}

async function packageVersion(): Promise<string> {
  const { readFile } = await import('node:fs/promises');
  for (const path of ['../../../package.json', '../../../../package.json']) {
    try {
      return JSON.parse(await readFile(new URL(path, import.meta.url), 'utf8')).version as string;
    } catch {
      // try the next layout (source vs dist)
    }
  }
  return '0.0.0';
}
