import type { TaskLogger } from './task.js';

/** Where a worker writes what it does. The default writes one line per event to stderr. */
export interface WorkerLogger extends TaskLogger {
  debug?(message: string, data?: Record<string, unknown>): void;
}

/** `[lockstep] 2024-05-01T10:00:00.000Z warn job 12 (sync-item) attempt 2 failed: … {"retryInMs":2000}` */
export function consoleLogger(stream: { write(text: string): unknown } = process.stderr, prefix = '[lockstep]'): WorkerLogger {
  const line = (level: string) => (message: string, data?: Record<string, unknown>) => {
    const extra = data && Object.keys(data).length > 0 ? ` ${JSON.stringify(data)}` : '';
    stream.write(`${prefix} ${new Date().toISOString()} ${level} ${message}${extra}\n`);
  };
  return { info: line('info'), warn: line('warn'), error: line('error') };
}

export const silentLogger: WorkerLogger = { info() {}, warn() {}, error() {} };
