import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { errorMessage, isLockstepError, LockstepError } from '../core/errors.js';
import { redactSecrets } from '../core/redact-secrets.js';
import type { HealthChecker } from '../health/health-checker.js';
import { createHealthHandler, sendJson } from '../http/health-handler.js';
import { closeServer, isLoopback, listen } from '../http/listen.js';
import { serveAsset } from './dashboard-assets.js';
import { authorize, checkMutation, TOKEN_COOKIE } from './dashboard-auth.js';
import { type BulkRequest, type DashboardJobs, type DashboardOverview, groupDrift, type JobFilter } from './dashboard-data.js';

export interface DashboardOptions {
  checker: HealthChecker;
  jobs: DashboardJobs;
  /** Default 127.0.0.1. Anything but loopback requires `token`. */
  host?: string;
  /** Default 4545; 0 picks a free port. */
  port?: number;
  token?: string;
  /** Hide Retry/Cancel and refuse them. */
  readOnly?: boolean;
}

export interface RunningDashboard {
  /** Where to open it (with `?token=` when a token is set): print it only to a terminal. */
  url: string;
  /** The same address without the token, safe for logs. */
  publicUrl: string;
  /** Whether requests need the token. */
  tokenRequired: boolean;
  server: Server;
  close(): Promise<void>;
}

export const DEFAULT_DASHBOARD_PORT = 4545;

/**
 * Starts the dashboard: the page and its assets, a JSON API under `/api/`, and the
 * health endpoints (`/livez`, `/readyz`, `/metrics`). Every asset is served from this
 * process; the page makes no request to any other host.
 *
 * @example
 * const checker = createHealthChecker({ url });
 * const dashboard = await startDashboard({ checker, jobs: createDashboardJobs(checker), port: 0 });
 * console.log(dashboard.url);
 */
export async function startDashboard(options: DashboardOptions): Promise<RunningDashboard> {
  const host = options.host ?? '127.0.0.1';
  const token = options.token || undefined;
  if (!isLoopback(host) && !token) {
    throw new LockstepError(`the dashboard refuses to listen on ${host} without a token: anyone on the network could retry and cancel jobs`, {
      hint: 'Pass --token T (or set LOCKSTEP_DASHBOARD_TOKEN), or bind to 127.0.0.1.',
    });
  }
  const health = createHealthHandler(options.checker);
  const readOnly = Boolean(options.readOnly);

  const server = createServer((req, res) => {
    handle(req, res).catch((error) => {
      if (res.headersSent) return void res.end();
      const status = isLockstepError(error) ? 400 : 500;
      sendJson(res, status, { error: redactSecrets(errorMessage(error)) });
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://dashboard');
    const path = url.pathname;
    securityHeaders(res);
    if (path === '/livez') return health(req, res);

    const auth = authorize(req, { token, host });
    if (!auth.ok) {
      if (path.startsWith('/api/') || path === '/readyz' || path === '/metrics' || req.method !== 'GET') return sendJson(res, auth.status, { error: auth.message });
      res.writeHead(auth.status, { 'content-type': 'text/plain; charset=utf-8' });
      return void res.end(`${auth.message}\n`);
    }
    // Trade the URL's token for an HttpOnly cookie and drop it from the address bar.
    if (token && url.searchParams.has('token') && req.method === 'GET' && !path.startsWith('/api/')) {
      url.searchParams.delete('token');
      res.writeHead(303, {
        location: `${path}${url.search}`,
        'set-cookie': `${TOKEN_COOKIE}=${encodeURIComponent(token)}; HttpOnly; SameSite=Strict; Path=/`,
      });
      return void res.end();
    }
    if (path === '/readyz' || path === '/metrics') return health(req, res);

    if (req.method === 'POST') {
      const mutation = checkMutation(req);
      if (!mutation.ok) return sendJson(res, mutation.status, { error: mutation.message });
      const action = /^\/api\/jobs\/([^/]+)\/(retry|cancel)$/.exec(path);
      const queueAction = /^\/api\/queues\/([^/]+)\/(pause|resume)$/.exec(path);
      if (!action && !queueAction && path !== '/api/jobs/bulk') return sendJson(res, 404, { error: `no route POST ${path}` });
      if (readOnly) return sendJson(res, 403, { error: 'the dashboard is read-only (--read-only)' });
      if (path === '/api/jobs/bulk') return sendJson(res, 200, await options.jobs.bulk((await readJson(req)) as BulkRequest));
      if (queueAction) {
        const name = decodeURIComponent(queueAction[1]);
        const queues = queueAction[2] === 'pause' ? await options.jobs.pause(name) : await options.jobs.resume(name);
        return sendJson(res, 200, { queues });
      }
      if (!action) return sendJson(res, 404, { error: `no route POST ${path}` });
      const id = decodeURIComponent(action[1]);
      const job = action[2] === 'retry' ? await options.jobs.retry(id) : await options.jobs.cancel(id);
      return sendJson(res, 200, { job });
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') return sendJson(res, 405, { error: `${req.method} not allowed` });

    if (path === '/api/overview') {
      const { facts, report } = await options.checker.snapshot();
      const overview: DashboardOverview = { readOnly, report, facts, drift: groupDrift(facts.schema.changes) };
      return sendJson(res, 200, overview);
    }
    if (path === '/api/jobs') {
      const filter: JobFilter = {};
      for (const key of ['state', 'task', 'queue', 'search'] as const) {
        const value = url.searchParams.get(key);
        if (value) filter[key] = value;
      }
      const limit = Number(url.searchParams.get('limit') ?? 50);
      filter.limit = Number.isInteger(limit) && limit > 0 ? Math.min(limit, 500) : 50;
      const offset = Number(url.searchParams.get('offset') ?? 0);
      filter.offset = Number.isInteger(offset) && offset > 0 ? offset : 0;
      return sendJson(res, 200, await options.jobs.list(filter));
    }
    if (path === '/api/queues') return sendJson(res, 200, { queues: await options.jobs.queues() });
    const detail = /^\/api\/jobs\/([^/]+)$/.exec(path);
    if (detail) {
      const job = await options.jobs.get(decodeURIComponent(detail[1]));
      return job ? sendJson(res, 200, { job }) : sendJson(res, 404, { error: `no job ${detail[1]}` });
    }
    if (path.startsWith('/api/')) return sendJson(res, 404, { error: `no route ${path}` });
    return serveAsset(path, res);
  }

  const url = await listen(server, options.port ?? DEFAULT_DASHBOARD_PORT, host);
  return {
    url: token ? `${url}/?token=${encodeURIComponent(token)}` : `${url}/`,
    publicUrl: `${url}/`,
    tokenRequired: Boolean(token),
    server,
    close: () => closeServer(server),
  };
}

/** A small JSON request body (bulk actions): at most 1 MB. */
async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > 1_000_000) throw new LockstepError('request body over 1 MB', { hint: 'Select fewer jobs, or act on the filter instead of a list of ids.' });
    chunks.push(chunk as Buffer);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8') || 'null');
  } catch (error) {
    throw new LockstepError(`request body is not JSON: ${(error as Error).message}`, { hint: 'Send { "action": "retry", "ids": ["1"] }.' });
  }
}

function securityHeaders(res: ServerResponse): void {
  // The page loads nothing from elsewhere; say so, so a bug cannot make it. Inline styles
  // stay allowed because progress bars set their width in a style attribute.
  res.setHeader('content-security-policy', "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'");
  res.setHeader('x-content-type-options', 'nosniff');
  res.setHeader('referrer-policy', 'no-referrer');
  res.setHeader('x-frame-options', 'DENY');
}
