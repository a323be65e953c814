import { runDemo } from '../../demo/run-demo.js';
import { parsePort } from '../../http/listen.js';
import { untilSignal } from '../../http/until-signal.js';
import type { Command } from '../command.js';
import { createStyle } from '../../report/style.js';

export const demoCommand: Command = {
  name: 'demo',
  summary: 'see lockstep work: an inventory-sync app with migrations, two workers, live progress, the dashboard, lint and check',
  reads: ['url', 'dev-url'],
  options: {
    'exit-when-done': { type: 'boolean', description: 'exit once every job has finished (0 when the results are as expected) instead of serving the dashboard until Ctrl-C' },
    port: { type: 'string', placeholder: 'P', description: 'dashboard port (default 4545, else a free one)' },
    pace: { type: 'string', placeholder: 'MS', description: 'pause of the sync task per 25 items, in ms (default 60)' },
  },
  async run(args, ctx) {
    // Only an explicit --url: a DATABASE_URL in the environment may well be a real database.
    const url = args.values.url as string | undefined;
    const pace = args.values.pace === undefined ? undefined : Number(args.values.pace);
    if (pace !== undefined && (!Number.isInteger(pace) || pace < 0)) throw new Error(`--pace must be a whole number of ms, found "${args.values.pace}"`);
    const result = await runDemo({
      dir: `${ctx.cwd}/.lockstep/demo`,
      url,
      devUrl: args.values['dev-url'] as string | undefined,
      exitWhenDone: Boolean(args.values['exit-when-done']),
      port: args.values.port === undefined ? undefined : parsePort(args.values.port as string, 4545),
      paceMs: pace,
      out: ctx.stdout,
      style: createStyle(ctx.color),
      stopSignal: untilSignal(),
    });
    return result.ok ? 0 : 1;
  },
};
