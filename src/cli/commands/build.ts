import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { parseConnectionUrl } from '../../dialects/connection-url.js';
import { LockstepError } from '../../core/errors.js';
import { formatExpectedSchema } from '../../core/expected-schema.js';
import { readMigrationsFolder } from '../../migrations/migration-folder.js';
import { displayPath } from '../../sources/display-path.js';
import { loadSource } from '../../sources/load-source.js';
import { type Command, PROJECT_SETTINGS } from '../command.js';

export const buildCommand: Command = {
  name: 'build',
  summary: 'write the expected schema and the migrations of this build to lockstep.expected.json (commit it: workers and probes read it)',
  reads: PROJECT_SETTINGS,
  options: {
    out: { type: 'string', short: 'o', placeholder: 'FILE', description: 'file to write (default: "expected" of the config, else lockstep.expected.json)' },
    check: { type: 'boolean', description: 'write nothing; exit 1 when the file is missing or stale' },
  },
  async run(args, ctx) {
    const config = ctx.config();
    const spec = config.schema ?? config.migrations;
    if (!spec) {
      throw new LockstepError('nothing to build: no schema file and no migrations folder', {
        hint: 'Create schema.sql or migrations/ next to lockstep.config.json, or pass --schema FILE / --migrations DIR.',
      });
    }
    const dialect = parseConnectionUrl(config.url).dialect;
    const loaded = await loadSource(spec, { cwd: ctx.cwd, dialect, ...(config.devUrl ? { devUrl: config.devUrl } : {}) });
    const migrations = config.migrations && existsSync(config.migrations) ? readMigrationsFolder(config.migrations) : [];
    const text = formatExpectedSchema({ dialect, schema: loaded.schema, source: loaded.source, migrations });
    const out = typeof args.values.out === 'string' ? args.values.out : config.expected;
    const shown = displayPath(out);
    if (args.values.check) {
      const current = existsSync(out) ? readFileSync(out, 'utf8') : undefined;
      if (current === text) {
        ctx.stdout.write(`${shown} is up to date with ${loaded.source}\n`);
        return 0;
      }
      ctx.stdout.write(`${shown} is ${current === undefined ? 'missing' : 'stale'}: it does not match ${loaded.source}${migrations.length ? ` and ${migrations.length} migration(s)` : ''}; run lockstep build and commit it\n`);
      return 1;
    }
    writeFileSync(out, text);
    const s = loaded.schema;
    ctx.stderr.write(`wrote ${shown}: ${s.tables.length} tables, ${s.enums.length} enums, ${s.views.length} views from ${loaded.source}; ${migrations.length} migration(s)\n`);
    return 0;
  },
};
