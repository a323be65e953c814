import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parseConnectionUrl } from '../../dialects/connection-url.js';
import { LockstepError } from '../../core/errors.js';
import { formatSnapshot } from '../../core/snapshot.js';
import { displayPath } from '../../sources/display-path.js';
import { loadSource } from '../../sources/load-source.js';
import type { Command } from '../command.js';

export const snapshotCommand: Command = {
  name: 'snapshot',
  summary: 'write a schema source (default: the configured database) as a JSON snapshot',
  reads: ['url', 'dev-url', 'config', 'schema-kind'],
  args: '[SRC]',
  allowPositionals: true,
  options: {
    out: { type: 'string', short: 'o', placeholder: 'FILE', description: 'file to write (default: print to stdout)' },
  },
  async run(args, ctx) {
    const config = ctx.config();
    if (args.positionals.length > 1) {
      throw new LockstepError(`lockstep snapshot takes one source, got ${args.positionals.length}`, { hint: 'Usage: lockstep snapshot [SRC] --out FILE' });
    }
    const spec = args.positionals[0] ?? config.url;
    const loaded = await loadSource(spec, {
      cwd: ctx.cwd,
      dialect: parseConnectionUrl(config.url).dialect,
      ...(config.devUrl ? { devUrl: config.devUrl } : {}),
      ...(config.schemaKind ? { schemaKind: config.schemaKind } : {}),
    });
    const text = formatSnapshot(loaded.schema);
    const out = args.values.out as string | undefined;
    if (!out) {
      ctx.stdout.write(text);
      return 0;
    }
    const path = resolve(ctx.cwd, out);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, text);
    const s = loaded.schema;
    ctx.stderr.write(`wrote ${displayPath(path)}: ${s.tables.length} tables, ${s.enums.length} enums, ${s.views.length} views from ${loaded.source}\n`);
    return 0;
  },
};
