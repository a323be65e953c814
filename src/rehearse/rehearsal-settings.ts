import type { LockstepConfig } from '../core/config.js';
import { LockstepError } from '../core/errors.js';
import { DEFAULT_TIMEOUTS } from './rehearse.js';
import type { RehearsalTimeouts } from './rehearsal-target.js';

/**
 * `2s`, `500ms`, `1m` or a number of milliseconds.
 *
 * @example
 * parseDuration('2s', '--lock-timeout'); // 2000
 */
export function parseDuration(value: unknown, where: string): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m)?\s*$/.exec(String(value));
  if (!match) throw new LockstepError(`${where} expects a duration like 2s, 500ms or 1m, got "${String(value)}"`);
  const n = Number(match[1]) * ({ ms: 1, s: 1000, m: 60_000 }[match[2] ?? 'ms'] ?? 1);
  if (n <= 0) throw new LockstepError(`${where} must be more than 0, got "${String(value)}"`);
  return n;
}

/** Timeouts from flags, else the `rehearse` section of lockstep.config.json, else 2s / 30s / 30s. */
export function rehearsalTimeouts(config: LockstepConfig, flags: { lockTimeout?: unknown; statementTimeout?: unknown; timeBudget?: unknown }): RehearsalTimeouts {
  const section = (config.raw.rehearse ?? {}) as Record<string, unknown>;
  if (typeof section !== 'object' || section === null || Array.isArray(section)) {
    throw new LockstepError('"rehearse" in lockstep.config.json must be an object like { "lockTimeout": "2s", "statementTimeout": "30s", "timeBudget": "30s" }');
  }
  const pick = (flag: unknown, key: string, fallback: number, name: string) =>
    flag !== undefined ? parseDuration(flag, name) : section[key] !== undefined ? parseDuration(section[key], `rehearse.${key} in lockstep.config.json`) : fallback;
  return {
    lockTimeoutMs: pick(flags.lockTimeout, 'lockTimeout', DEFAULT_TIMEOUTS.lockTimeoutMs, '--lock-timeout'),
    statementTimeoutMs: pick(flags.statementTimeout, 'statementTimeout', DEFAULT_TIMEOUTS.statementTimeoutMs, '--statement-timeout'),
    timeBudgetMs: pick(flags.timeBudget, 'timeBudget', DEFAULT_TIMEOUTS.timeBudgetMs, '--time-budget'),
  };
}
