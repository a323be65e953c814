/**
 * An error lockstep expects and can explain: bad input, configuration, connection or
 * SQL problems. The CLI prints `message` (and `hint`) without a stack trace and exits
 * with `exitCode` (2 unless said otherwise). Anything else is an internal error.
 *
 * @example
 * throw new LockstepError('schema.sql:14: relation "organizations" does not exist', {
 *   hint: 'Create organizations before content_requests, or fix the reference.',
 * });
 */
export class LockstepError extends Error {
  readonly hint: string | undefined;
  readonly exitCode: number;
  /** Where the problem is, e.g. `schema.sql:14` or `tenants.config`. */
  readonly location: string | undefined;

  constructor(
    message: string,
    options: { hint?: string; cause?: unknown; exitCode?: number; location?: string } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'LockstepError';
    this.hint = options.hint;
    this.exitCode = options.exitCode ?? 2;
    this.location = options.location;
  }
}

export function isLockstepError(error: unknown): error is LockstepError {
  return error instanceof LockstepError;
}

/** The message of any thrown value. */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
