import { LockstepError } from '../../core/errors.js';
import { consoleLogger } from '../../jobs/job-logger.js';
import { SCHEMA_GUARD_EXIT_CODE } from '../../jobs/schema-guard.js';
import { runWorker } from '../../jobs/worker/run-worker.js';
import { parsePort } from '../../http/listen.js';
import { type Command, PROJECT_SETTINGS } from '../command.js';
import { jobsConfig, maybeLoadTasks, parseIntOption } from './jobs-common.js';

export const workerCommand: Command = {
  name: 'worker',
  summary: 'run jobs: claims, leases, retries, cron; stops gracefully on SIGTERM/SIGINT',
  reads: PROJECT_SETTINGS,
  options: {
    tasks: { type: 'string', placeholder: 'FILE', description: 'module exporting the tasks (.js, or .ts through tsx); default jobs.tasks of the config' },
    queue: { type: 'string', placeholder: 'A,B', description: 'only these queues (default every queue)' },
    concurrency: { type: 'string', placeholder: 'N', description: 'jobs run at once (default 10)' },
    prefetch: { type: 'string', placeholder: 'N', description: 'jobs claimed ahead of the free slots, started from memory as slots free (default 0; for many short jobs)' },
    'lease-ms': { type: 'string', placeholder: 'N', description: 'lease length: a dead worker’s jobs are rescued this long after its last renewal (default 30000)' },
    'shutdown-timeout-ms': { type: 'string', placeholder: 'N', description: 'on SIGTERM, how long running jobs may finish before they are handed back (default 10000)' },
    'poll-interval-ms': { type: 'string', placeholder: 'N', description: 'polling fallback (default 1000 PostgreSQL, 200 SQLite)' },
    'pool-size': { type: 'string', placeholder: 'N', description: 'database connections of the worker, whatever the concurrency (default 4; PostgreSQL adds 1 for LISTEN)' },
    'retention-days': { type: 'string', placeholder: 'N', description: 'delete finished jobs older than this (default 7; 0 keeps them)' },
    'health-port': { type: 'string', placeholder: 'P', description: 'serve /livez, /readyz and /metrics for this worker on port P (see docs/health.md)' },
    'health-host': { type: 'string', placeholder: 'H', description: 'address for --health-port (default 127.0.0.1)' },
    'on-drift': { type: 'string', placeholder: 'exit|wait', description: 'when the database cannot run this build: exit 3 (default), or wait for it, claiming nothing and not ready' },
  },
  async run(args, ctx) {
    const config = ctx.config();
    const jobs = jobsConfig(ctx);
    const tasks = await maybeLoadTasks(ctx, args.values.tasks as string | undefined);
    if (!tasks) throw new LockstepError('no tasks module', { hint: 'Pass --tasks FILE or set "jobs": { "tasks": "…" } in lockstep.config.json.' });
    const queues = typeof args.values.queue === 'string' ? args.values.queue.split(',').map((q) => q.trim()).filter(Boolean) : jobs.queues;
    const onDrift = (args.values['on-drift'] as string | undefined) ?? (typeof jobs.onDrift === 'string' ? jobs.onDrift : 'exit');
    if (onDrift !== 'exit' && onDrift !== 'wait') {
      throw new LockstepError(`--on-drift takes exit or wait, got "${onDrift}"`, { hint: 'exit: stop with exit code 3 (default); wait: stay up until the schema catches up.' });
    }
    const retentionDays = parseIntOption('retention-days', args.values['retention-days']) ?? jobs.retentionDays ?? 7;
    const worker = await runWorker({
      url: config.url,
      tasks,
      queues,
      concurrency: parseIntOption('concurrency', args.values.concurrency, 1) ?? jobs.concurrency,
      prefetch: parseIntOption('prefetch', args.values.prefetch, 0) ?? jobs.prefetch,
      leaseMs: parseIntOption('lease-ms', args.values['lease-ms'], 100) ?? jobs.leaseMs,
      shutdownTimeoutMs: parseIntOption('shutdown-timeout-ms', args.values['shutdown-timeout-ms']) ?? jobs.shutdownTimeoutMs,
      pollIntervalMs: parseIntOption('poll-interval-ms', args.values['poll-interval-ms'], 10) ?? jobs.pollIntervalMs,
      maxConnections: parseIntOption('pool-size', args.values['pool-size'], 1) ?? jobs.poolSize,
      retentionMs: retentionDays * 86_400_000,
      handleSignals: true,
      logger: consoleLogger(ctx.stderr),
      appSchema: { url: config.url, expected: config.expected, schema: config.schema, migrations: config.migrations, devUrl: config.devUrl, allow: config.guardAllow },
      onDrift,
    });
    // The health endpoints (and the probes behind them) are loaded only when asked for.
    const health = args.values['health-port']
      ? await (await import('../../http/worker-health.js')).startWorkerHealth({ config, port: parsePort(args.values['health-port'] as string, 0, '--health-port'), host: args.values['health-host'] as string | undefined, done: worker.done, ready: () => worker.readiness() }).catch(async (error) => {
          await worker.stop();
          throw error;
        })
      : undefined;
    if (health) ctx.stderr.write(`[lockstep] worker health endpoints on ${health.url}/livez and ${health.url}/readyz\n`);
    const reason = await worker.done;
    await health?.close();
    return reason === 'jobs-schema-changed' ? SCHEMA_GUARD_EXIT_CODE : 0;
  },
};

