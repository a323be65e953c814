import type { IncomingMessage, ServerResponse } from 'node:http';
import { errorMessage } from '../core/errors.js';
import type { HealthChecker } from '../health/health-checker.js';
import { opsMetrics } from './ops-metrics.js';
import { PROMETHEUS_CONTENT_TYPE, renderPrometheus } from './prometheus.js';

export type RequestHandler = (req: IncomingMessage, res: ServerResponse, next?: (error?: unknown) => void) => void;

export interface HealthHandlerOptions {
  /** Serve `/metrics` too (default true). A worker's own port serves only the probes. */
  metrics?: boolean;
  /**
   * What `/readyz` answers 503 for: `failing` (default: a degraded system still takes
   * traffic) or `degraded`.
   */
  unreadyAt?: 'failing' | 'degraded';
  /** Extra liveness condition for `/livez`, e.g. a worker's event loop still claiming. */
  alive?: () => boolean;
  /** Extra readiness condition for `/readyz`, e.g. a worker waiting for the schema to catch up. */
  ready?: () => { ready: boolean; reason?: string };
}

/**
 * `/livez`, `/readyz` and `/metrics` as one request handler, for node:http or any
 * express-style framework (`app.use(handler)`; requests it does not own go to `next`).
 *
 * `/livez` answers from memory and never touches the database: a liveness probe that
 * fails because the database is down gets healthy processes restarted in a loop.
 *
 * @example
 * const checker = createHealthChecker({ url: process.env.DATABASE_URL });
 * http.createServer(createHealthHandler(checker)).listen(9090);
 * // or: app.use('/ops', createHealthHandler(checker));
 */
export function createHealthHandler(checker: HealthChecker, options: HealthHandlerOptions = {}): RequestHandler {
  const started = Date.now();
  return (req, res, next) => {
    const path = (req.url ?? '/').split('?')[0].replace(/\/+$/, '') || '/';
    const known = path === '/livez' || path === '/readyz' || (path === '/metrics' && options.metrics !== false);
    if (!known) {
      if (next) return next();
      return sendJson(res, 404, { error: `no route ${path}; try /livez, /readyz${options.metrics !== false ? ' or /metrics' : ''}` });
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('allow', 'GET, HEAD');
      return sendJson(res, 405, { error: `${req.method} not allowed on ${path}` });
    }
    if (path === '/livez') {
      const alive = options.alive ? options.alive() : true;
      return sendJson(res, alive ? 200 : 503, { status: alive ? 'ok' : 'failing', pid: process.pid, uptimeSeconds: Math.round((Date.now() - started) / 1000) });
    }
    const work = path === '/readyz' ? readyz(checker, res, options) : metrics(checker, res);
    work.catch((error) => {
      if (!res.headersSent) sendJson(res, 500, { error: errorMessage(error) });
      else res.end();
    });
  };
}

async function readyz(checker: HealthChecker, res: ServerResponse, options: HealthHandlerOptions): Promise<void> {
  const { report } = await checker.snapshot();
  const own = options.ready?.();
  const unready = report.status === 'failing' || (options.unreadyAt === 'degraded' && report.status === 'degraded') || own?.ready === false;
  sendJson(res, unready ? 503 : 200, own?.ready === false ? { ...report, worker: { ready: false, reason: own.reason } } : report);
}

async function metrics(checker: HealthChecker, res: ServerResponse): Promise<void> {
  const { facts, report } = await checker.snapshot();
  const body = renderPrometheus(opsMetrics(facts, report));
  res.writeHead(200, { 'content-type': PROMETHEUS_CONTENT_TYPE, 'cache-control': 'no-store' });
  res.end(body);
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body, null, 2);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
  res.end(`${text}\n`);
}
