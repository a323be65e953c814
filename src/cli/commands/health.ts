import { DatabaseNotFoundError } from '../../dialects/index.js';
import { parseConnectionUrl } from '../../dialects/connection-url.js';
import { createHealthChecker } from '../../health/health-checker.js';
import type { ProbeStatus } from '../../health/health-report.js';
import { type Command, PROJECT_SETTINGS } from '../command.js';
import { createStyle, type Style } from '../../report/style.js';

export const healthCommand: Command = {
  name: 'health',
  summary: 'probe the database, migrations, schema drift, workers and queues (exit 1 when not healthy)',
  reads: PROJECT_SETTINGS,
  options: {
    json: { type: 'boolean', description: 'print the report as JSON (the same body /readyz returns)' },
  },
  async run(args, ctx) {
    // A URL that cannot name a database is a usage error (exit 2), not an unhealthy database (exit 1).
    parseConnectionUrl(ctx.config().url);
    const checker = createHealthChecker({ config: ctx.config() });
    try {
      // A database path that does not exist is a configuration error (exit 2), not an unhealthy database.
      await checker.database().catch((error) => {
        if (error instanceof DatabaseNotFoundError) throw error;
      });
      const { report } = await checker.snapshot({ fresh: true });
      if (args.values.json) {
        ctx.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
        return report.ok ? 0 : 1;
      }
      const style = createStyle(ctx.color);
      const width = Math.max(...report.probes.map((p) => p.name.length));
      ctx.stdout.write(`${style.bold(report.database)}\n`);
      for (const probe of report.probes) {
        ctx.stdout.write(`  ${label(probe.status, style)}  ${probe.name.padEnd(width)}  ${probe.status === 'skipped' ? style.dim(probe.message) : probe.message}\n`);
      }
      const bad = report.probes.filter((p) => p.status === 'failing' || p.status === 'degraded');
      ctx.stdout.write(
        report.ok ? `${style.green('healthy')}\n` : `${report.status === 'failing' ? style.red('unhealthy') : style.yellow('degraded')}: ${bad.map((p) => `${p.name} ${p.status}`).join(', ')}\n`,
      );
      return report.ok ? 0 : 1;
    } finally {
      await checker.close();
    }
  },
};

function label(status: ProbeStatus, style: Style): string {
  if (status === 'ok') return style.green('ok      ');
  if (status === 'degraded') return style.yellow('degraded');
  if (status === 'failing') return style.red('failing ');
  return style.dim('skipped ');
}
