import { createServer } from 'node:http';
import { parseConnectionUrl } from '../../dialects/connection-url.js';
import { createHealthChecker } from '../../health/health-checker.js';
import { createHealthHandler } from '../../http/health-handler.js';
import { closeServer, listen, parsePort } from '../../http/listen.js';
import { untilSignal } from '../../http/until-signal.js';
import { type Command, PROJECT_SETTINGS } from '../command.js';

export const DEFAULT_SERVE_PORT = 9464;

export const serveCommand: Command = {
  name: 'serve',
  summary: 'serve /livez, /readyz and /metrics (Prometheus) for this project until stopped',
  reads: PROJECT_SETTINGS,
  options: {
    port: { type: 'string', placeholder: 'P', description: `port (default ${DEFAULT_SERVE_PORT}; 0 picks a free one)` },
    host: { type: 'string', placeholder: 'H', description: 'address to bind (default 127.0.0.1; 0.0.0.0 for every interface)' },
  },
  async run(args, ctx) {
    parseConnectionUrl(ctx.config().url); // a malformed URL is a usage error, before anything listens
    const checker = createHealthChecker({ config: ctx.config() });
    const server = createServer(createHealthHandler(checker));
    try {
      const url = await listen(server, parsePort(args.values.port as string | undefined, DEFAULT_SERVE_PORT), (args.values.host as string | undefined) ?? '127.0.0.1');
      ctx.stdout.write(`serving ${url}/livez ${url}/readyz ${url}/metrics (Ctrl-C to stop)\n`);
      await untilSignal();
      return 0;
    } finally {
      await closeServer(server);
      await checker.close();
    }
  },
};
