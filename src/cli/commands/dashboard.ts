import { DEFAULT_DASHBOARD_PORT } from '../../dashboard/dashboard-server.js';
import { openDashboard } from '../../dashboard/open-dashboard.js';
import { parsePort } from '../../http/listen.js';
import { untilSignal } from '../../http/until-signal.js';
import { type Command, PROJECT_SETTINGS } from '../command.js';

export const dashboardCommand: Command = {
  name: 'dashboard',
  summary: 'serve the web dashboard: schema status, migrations, queues, jobs with live progress, workers',
  reads: PROJECT_SETTINGS,
  options: {
    port: { type: 'string', placeholder: 'P', description: `port (default ${DEFAULT_DASHBOARD_PORT}; 0 picks a free one)` },
    host: { type: 'string', placeholder: 'H', description: 'address to bind (default 127.0.0.1; any other address requires a token)' },
    token: { type: 'string', placeholder: 'T', description: 'require this token (else LOCKSTEP_DASHBOARD_TOKEN); open the printed URL once to log in' },
    'read-only': { type: 'boolean', description: 'hide Retry and Cancel and refuse them' },
  },
  async run(args, ctx) {
    const config = ctx.config();
    const section = (config.raw.dashboard ?? {}) as { port?: number; host?: string };
    const dashboard = await openDashboard({
      config,
      host: (args.values.host as string | undefined) ?? section.host,
      port: parsePort(args.values.port as string | undefined, section.port ?? DEFAULT_DASHBOARD_PORT),
      token: (args.values.token as string | undefined) ?? (ctx.env.LOCKSTEP_DASHBOARD_TOKEN || undefined),
      readOnly: Boolean(args.values['read-only']),
    });
    try {
      // The token in the URL would end up in logs: print it only to a terminal.
      if (!dashboard.tokenRequired || ctx.stdout.isTTY) ctx.stdout.write(`lockstep dashboard: ${dashboard.url}  (Ctrl-C to stop)\n`);
      else {
        ctx.stdout.write(`lockstep dashboard: ${dashboard.publicUrl}  (Ctrl-C to stop)\n`);
        ctx.stdout.write(`  it requires the token (--token or LOCKSTEP_DASHBOARD_TOKEN): open ${dashboard.publicUrl}?token=<token> once, or send Authorization: Bearer <token>\n`);
      }
      await untilSignal();
      return 0;
    } finally {
      await dashboard.close();
    }
  },
};
