import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { isLoopback } from '../http/listen.js';

export const TOKEN_COOKIE = 'lockstep_dashboard_token';
/**
 * Header every mutating request must carry. A cross-site page cannot add a custom header
 * without a CORS preflight, which this server never approves, so a forged form post or
 * `fetch` from another origin is refused before the Origin check even runs.
 */
export const CSRF_HEADER = 'x-lockstep-request';

export interface AuthSettings {
  token: string | undefined;
  /** Host the server is bound to; loopback binds also refuse foreign Host headers. */
  host: string;
}

export type AuthOutcome = { ok: true } | { ok: false; status: number; message: string };

/**
 * Who may read: with a token, requests carrying it (`Authorization: Bearer`, the cookie set
 * by `/?token=`, or `?token=`); without one (loopback binds only), requests whose Host is a
 * loopback name, which stops DNS-rebinding pages from reading the dashboard.
 */
export function authorize(req: IncomingMessage, settings: AuthSettings): AuthOutcome {
  if (settings.token) {
    const presented = presentedToken(req);
    if (presented !== undefined && safeEqual(presented, settings.token)) return { ok: true };
    return {
      ok: false,
      status: 401,
      message: presented === undefined ? 'this dashboard requires a token: open it with ?token=… or send Authorization: Bearer …' : 'wrong token',
    };
  }
  const hostHeader = (req.headers.host ?? '').replace(/:\d+$/, '');
  if (isLoopback(settings.host) && !isLoopback(hostHeader)) {
    return { ok: false, status: 403, message: `Host "${hostHeader}" is not this machine; open the dashboard at localhost` };
  }
  return { ok: true };
}

/** Cross-site protection for POSTs: the custom header, and an Origin (when sent) equal to our own. */
export function checkMutation(req: IncomingMessage): AuthOutcome {
  if (req.headers[CSRF_HEADER] !== '1') {
    return { ok: false, status: 403, message: `missing ${CSRF_HEADER} header (cross-site requests are refused)` };
  }
  const origin = req.headers.origin;
  if (origin !== undefined) {
    let originHost: string;
    try {
      originHost = new URL(origin).host;
    } catch {
      return { ok: false, status: 403, message: `malformed Origin "${origin}"` };
    }
    if (originHost !== req.headers.host) return { ok: false, status: 403, message: `cross-origin request from ${origin} refused` };
  }
  return { ok: true };
}

export function presentedToken(req: IncomingMessage): string | undefined {
  const auth = req.headers.authorization;
  if (auth?.startsWith('Bearer ')) return auth.slice(7).trim();
  const query = new URL(req.url ?? '/', 'http://x').searchParams.get('token');
  if (query) return query;
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const [name, ...rest] = part.trim().split('=');
    if (name === TOKEN_COOKIE) return decodeURIComponent(rest.join('='));
  }
  return undefined;
}

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
