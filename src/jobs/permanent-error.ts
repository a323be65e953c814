/**
 * Thrown by a task to fail the job without retrying: it goes to `dead` at once, whatever
 * attempts are left. Use it for failures that no retry can fix (a record that no longer
 * exists, a payload the remote side rejects as malformed).
 *
 * @example
 * if (!order) throw new PermanentError(`order ${payload.orderId} does not exist`);
 */
export class PermanentError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'PermanentError';
  }
}

export function isPermanentError(error: unknown): boolean {
  return error instanceof PermanentError || (error instanceof Error && error.name === 'PermanentError');
}
