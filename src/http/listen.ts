import type { Server } from 'node:http';
import { isIP } from 'node:net';
import { LockstepError } from '../core/errors.js';

/** Loopback addresses: only this machine can connect, so no token is needed. */
export function isLoopback(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h === '::1' || (isIP(h) === 4 && h.startsWith('127.'));
}

/**
 * Starts listening and resolves with the URL to print. Port 0 picks a free port.
 *
 * @example
 * const url = await listen(http.createServer(handler), 0, '127.0.0.1'); // 'http://127.0.0.1:41234'
 */
export function listen(server: Server, port: number, host: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException) => {
      const hint =
        error.code === 'EADDRINUSE'
          ? `Another process listens on ${host}:${port}; pick another --port (0 picks a free one).`
          : error.code === 'EACCES'
            ? 'Ports below 1024 need privileges; pick a port above 1024.'
            : undefined;
      reject(new LockstepError(`cannot listen on ${host}:${port}: ${error.message}`, { hint, cause: error }));
    };
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      const address = server.address();
      const actualPort = typeof address === 'object' && address ? address.port : port;
      const shownHost = isIP(host) === 6 ? `[${host}]` : host === '0.0.0.0' || host === '::' ? 'localhost' : host;
      resolve(`http://${shownHost}:${actualPort}`);
    });
  });
}

/** Closes a server and the keep-alive and event-stream connections that would hold it open. */
export function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

export function parsePort(value: string | undefined, fallback: number, flag = '--port'): number {
  if (value === undefined) return fallback;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new LockstepError(`${flag} must be a port number between 0 and 65535, found "${value}"`);
  }
  return port;
}
