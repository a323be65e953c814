/** How long a failed attempt waits before the next one. */
export interface BackoffOptions {
  /** Delay after the first failure, in ms. Default 1000. */
  baseMs?: number;
  /** Growth factor per attempt. Default 2. */
  factor?: number;
  /** Upper bound on the delay, in ms. Default 1 hour. */
  maxMs?: number;
  /**
   * Fraction of the delay that is randomized, 0..1. Default 0.2: the delay is drawn from
   * [d·0.8, d·1.2] so jobs that failed together do not all retry in the same instant.
   */
  jitter?: number;
}

/**
 * The delay before retrying after `attempt` failed (attempt 1 = first try):
 * `min(maxMs, baseMs · factor^(attempt-1))`, with jitter.
 *
 * @example
 * retryDelayMs(3, { baseMs: 100, jitter: 0 }) // → 400
 */
export function retryDelayMs(attempt: number, options: BackoffOptions = {}, random: () => number = Math.random): number {
  const base = options.baseMs ?? 1000;
  const factor = options.factor ?? 2;
  const max = options.maxMs ?? 3_600_000;
  const jitter = Math.min(1, Math.max(0, options.jitter ?? 0.2));
  const raw = Math.min(max, base * factor ** Math.max(0, attempt - 1));
  return Math.max(0, Math.round(raw * (1 - jitter + 2 * jitter * random())));
}
