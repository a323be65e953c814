import { existsSync } from 'node:fs';
import { createInterface } from 'node:readline/promises';
import { relative } from 'node:path';
import { parseConnectionUrl } from '../../dialects/connection-url.js';
import { getDialect } from '../../dialects/index.js';
import { compareOptions, compareSetting } from '../../core/config.js';
import { LockstepError } from '../../core/errors.js';
import { generateMigration } from '../../migrations/generate.js';
import type { RenameCandidate } from '../../migrations/rename-candidates.js';
import { loadModelSource, sourceKind } from '../../sources/load-source.js';
import { loadSchemaFile } from '../../sources/schema-file-source.js';
import { type Command, PROJECT_SETTINGS } from '../command.js';
import { createStyle } from '../../report/style.js';
import { JSON_OPTION, printJson } from './json-output.js';

export const generateCommand: Command = {
  name: 'generate',
  summary: 'write the next migration (up.sql + down.sql) from schema.sql or the ORM models, proven on a scratch database',
  reads: PROJECT_SETTINGS,
  args: 'NAME',
  allowPositionals: true,
  options: {
    rename: { type: 'string', multiple: true, placeholder: 'T.OLD=NEW', description: 'confirm a rename (table.old_column=new_column or old_table=new_table); repeatable' },
    'drop-and-add': { type: 'boolean', description: 'treat every possible rename as a drop plus an add (the old data is lost)' },
    empty: { type: 'boolean', description: 'write blank up.sql and down.sql (for data changes)' },
    'expand-contract': { type: 'boolean', description: 'write a column rename or type change as an expand migration (new column, sync triggers, batched backfill) and a later -- lockstep:contract migration' },
    compare: { type: 'string', placeholder: 'LIST', description: 'also bring comments, grants, extension-versions to the declared schema (comma-separated; config "check": { "compare": […] })' },
    json: JSON_OPTION,
  },
  async run(args, ctx) {
    if (args.positionals.length !== 1) {
      throw new LockstepError(`generate takes exactly one NAME, found ${args.positionals.length === 0 ? 'none' : args.positionals.map((p) => `"${p}"`).join(' ')}`, {
        hint: 'e.g. lockstep generate add_phone_number',
      });
    }
    const json = Boolean(args.values.json);
    const config = ctx.config();
    const migrationsDir = config.migrations ?? `${config.root}/migrations`;
    const dialect = getDialect(parseConnectionUrl(config.url).dialect);
    const empty = Boolean(args.values.empty);
    const schemaFile = config.schema;
    if (!empty && !schemaFile) {
      throw new LockstepError(`no declared schema: ${config.root}/schema.sql does not exist`, {
        hint: 'generate diffs schema.sql against the migrations: create it, pass --schema FILE, or use --empty for a blank migration.',
      });
    }
    const fromModels = !empty && existsSync(schemaFile!) && sourceKind(schemaFile!, ctx.cwd, config.schemaKind) === 'models';
    const loadDeclared = fromModels
      ? async () => {
          const models = await loadModelSource(schemaFile!, { cwd: config.root, dialect: dialect.name, ...(config.schemaKind && config.schemaKind !== 'sql' ? { kind: config.schemaKind } : {}) });
          if (models.dialect !== dialect.name) {
            throw new LockstepError(`${relative(ctx.cwd, schemaFile!) || schemaFile} declares a ${models.dialect} database, but the configured database is ${dialect.name}`, {
              hint: 'Generate migrations for the database the models are written for: pass --url (or set "url") to one.',
            });
          }
          return models.schema;
        }
      : () => loadSchemaFile(dialect, schemaFile!, { devUrl: config.devUrl });
    const interactive = !json && Boolean(process.stdin.isTTY && ctx.stdout.isTTY);
    const style = createStyle(ctx.color);
    const result = await generateMigration({
      name: args.positionals[0],
      migrationsDir,
      dialect,
      devUrl: config.devUrl,
      empty,
      renames: args.values.rename as string[] | undefined,
      dropAndAdd: Boolean(args.values['drop-and-add']),
      expandContract: Boolean(args.values['expand-contract']),
      compare: compareOptions(compareSetting(args.values.compare as string | undefined, config)),
      ask: interactive ? askOnTerminal : undefined,
      loadDeclared,
    });
    if (json) {
      printJson(ctx, {
        status: result.status,
        dir: result.dir ? relative(ctx.cwd, result.dir) || result.dir : null,
        version: result.version ?? null,
        files: result.dir ? [`${relative(ctx.cwd, result.dir) || result.dir}/up.sql`, `${relative(ctx.cwd, result.dir) || result.dir}/down.sql`] : [],
        empty,
        changes: result.changes.map((c) => ({ kind: c.kind, message: c.message })),
        renames: result.renames.map((r) => ({ kind: r.kind, table: r.table, from: r.from, to: r.to })),
      });
      return 0;
    }
    if (result.status === 'nothing-to-do') {
      ctx.stdout.write(`nothing to do: the migrations already reach ${relative(ctx.cwd, schemaFile!) || schemaFile}; no migration written\n`);
      return 0;
    }
    const dir = relative(ctx.cwd, result.dir!) || result.dir!;
    ctx.stdout.write(`${style.green('wrote')} ${dir}/up.sql and ${dir}/down.sql${empty ? ' (blank)' : ''}${result.contract ? ' (expand step)' : ''}\n`);
    if (result.contract) {
      const contractDir = relative(ctx.cwd, result.contract.dir) || result.contract.dir;
      ctx.stdout.write(`${style.green('wrote')} ${contractDir}/up.sql and ${contractDir}/down.sql (contract step, -- lockstep:contract: ship it in a later release; lockstep lint holds it back while code reads the old name)\n`);
    }
    if (!empty) {
      ctx.stdout.write(style.dim(`differences it resolves (${fromModels ? 'the models' : 'schema.sql'} expected, the earlier migrations actual):\n`));
      for (const change of result.changes) ctx.stdout.write(`  ${style.dim(change.kind.padEnd(16))} ${change.message}\n`);
      for (const rename of result.renames) ctx.stdout.write(`  ${style.dim('rename'.padEnd(16))} ${rename.kind} ${rename.from} → ${rename.to}\n`);
      ctx.stdout.write(style.dim(`verified on a scratch database: the migrations reach ${fromModels ? 'the models' : 'the declared schema'}, and down.sql restores the schema before\n`));
    }
    return 0;
  },
};

async function askOnTerminal(candidate: RenameCandidate): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  try {
    const what = candidate.kind === 'column' ? `column ${candidate.table}.${candidate.from} renamed to ${candidate.to}` : `table ${candidate.from} renamed to ${candidate.to}`;
    const answer = await rl.question(`Was ${what}? (no: drop and add, the old data is lost) [y/N] `);
    return /^y(es)?$/i.test(answer.trim());
  } finally {
    rl.close();
  }
}
