import { createServer } from 'node:http';
import type { LockstepConfig } from '../core/config.js';
import { createHealthChecker } from '../health/health-checker.js';
import { createHealthHandler } from './health-handler.js';
import { closeServer, listen } from './listen.js';

export interface WorkerHealthOptions {
  config: LockstepConfig;
  port: number;
  /** Default 127.0.0.1; a pod probing its own container uses 0.0.0.0. */
  host?: string;
  /** Resolves when the worker has stopped: `/livez` fails from then on. */
  done: Promise<unknown>;
  /** The worker's own readiness (waiting for the schema, stopping): `/readyz` answers 503 while it is not ready. */
  ready?: () => { ready: boolean; reason?: string };
}

/**
 * `/livez`, `/readyz` and `/metrics` on a worker's own port (`lockstep worker --health-port`),
 * so an orchestrator probes the worker as a worker, not through the web service's check.
 * `/livez` fails once the worker loop has stopped, even if the process lingers.
 *
 * @example
 * const health = await startWorkerHealth({ config, port: 9465, done: worker.done });
 * await worker.done;
 * await health.close();
 */
export async function startWorkerHealth(options: WorkerHealthOptions): Promise<{ url: string; close(): Promise<void> }> {
  let running = true;
  void options.done.finally(() => (running = false));
  const checker = createHealthChecker({ config: options.config });
  const server = createServer(createHealthHandler(checker, { alive: () => running, ...(options.ready ? { ready: options.ready } : {}) }));
  try {
    const url = await listen(server, options.port, options.host ?? '127.0.0.1');
    return {
      url,
      close: async () => {
        await closeServer(server);
        await checker.close();
      },
    };
  } catch (error) {
    await checker.close();
    throw error;
  }
}
