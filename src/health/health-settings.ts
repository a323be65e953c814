import { LockstepError } from '../core/errors.js';

/** A probe is `degraded` at or above `degraded` and `failing` at or above `failing`. */
export interface Threshold {
  degraded: number;
  failing: number;
}

export const PROBE_NAMES = [
  'database',
  'migrations',
  'schema',
  'jobs-schema',
  'workers',
  'queue-lag',
  'expired-leases',
  'dead-jobs',
] as const;

export type ProbeName = (typeof PROBE_NAMES)[number];

/**
 * Health thresholds: the `health` section of lockstep.config.json, every key optional.
 *
 * @example
 * // lockstep.config.json
 * { "health": { "queueLagSeconds": { "degraded": 30, "failing": 120 }, "workers": { "min": 2 }, "skip": ["dead-jobs"] } }
 */
export interface HealthSettings {
  databaseLatencyMs: Threshold;
  pendingMigrations: Threshold;
  driftChanges: Threshold;
  queueLagSeconds: Threshold;
  expiredLeases: Threshold;
  deadJobsLastHour: Threshold;
  workers: {
    /** Fewer live workers than this is failing. 0 turns the requirement off. */
    min: number;
    /** A worker whose last heartbeat is older than this is counted as gone. */
    staleAfterSeconds: number;
  };
  /** Probes not to run (reported as skipped). */
  skip: ProbeName[];
  /** Upper bound on each section's database reads, in ms. */
  timeoutMs: number;
  /** How long a drift result is reused by a long-running checker (`/readyz`), in ms. */
  driftCacheMs: number;
  /**
   * Queue statistics at most this old are read from the copy the elected worker keeps
   * (refreshed every 5 s), instead of counting the jobs table on every probe, in ms.
   * 0 always counts.
   */
  statsCacheMs: number;
}

export const DEFAULT_HEALTH_SETTINGS: HealthSettings = {
  databaseLatencyMs: { degraded: 250, failing: 2000 },
  pendingMigrations: { degraded: 1, failing: 1 },
  driftChanges: { degraded: 1, failing: 1 },
  queueLagSeconds: { degraded: 60, failing: 300 },
  expiredLeases: { degraded: 1, failing: 1 },
  deadJobsLastHour: { degraded: 1, failing: 25 },
  workers: { min: 1, staleAfterSeconds: 30 },
  skip: [],
  timeoutMs: 5000,
  driftCacheMs: 5000,
  statsCacheMs: 15000,
};

const THRESHOLD_KEYS = ['databaseLatencyMs', 'pendingMigrations', 'driftChanges', 'queueLagSeconds', 'expiredLeases', 'deadJobsLastHour'] as const;

/**
 * Reads the `health` section of the config (already parsed JSON) over the defaults,
 * rejecting unknown keys and non-numbers with a message that names the key.
 */
export function resolveHealthSettings(section: unknown, overrides: Partial<HealthSettings> = {}): HealthSettings {
  const settings: HealthSettings = structuredClone(DEFAULT_HEALTH_SETTINGS);
  if (section !== undefined) {
    if (!isObject(section)) throw configError('health', 'an object', section);
    for (const [key, value] of Object.entries(section)) {
      if ((THRESHOLD_KEYS as readonly string[]).includes(key)) {
        settings[key as (typeof THRESHOLD_KEYS)[number]] = readThreshold(`health.${key}`, value, settings[key as (typeof THRESHOLD_KEYS)[number]]);
      } else if (key === 'workers') {
        if (!isObject(value)) throw configError('health.workers', 'an object like { "min": 1, "staleAfterSeconds": 30 }', value);
        for (const [k, v] of Object.entries(value)) {
          if (k !== 'min' && k !== 'staleAfterSeconds') throw unknownKey(`health.workers.${k}`, 'min, staleAfterSeconds');
          settings.workers[k] = readNumber(`health.workers.${k}`, v);
        }
      } else if (key === 'skip') {
        if (!Array.isArray(value)) throw configError('health.skip', `a list of probe names (${PROBE_NAMES.join(', ')})`, value);
        for (const name of value) {
          if (!(PROBE_NAMES as readonly unknown[]).includes(name)) throw unknownKey(`health.skip: "${String(name)}"`, PROBE_NAMES.join(', '));
        }
        settings.skip = value as ProbeName[];
      } else if (key === 'timeoutMs' || key === 'driftCacheMs' || key === 'statsCacheMs') {
        settings[key] = readNumber(`health.${key}`, value);
      } else {
        throw unknownKey(`health.${key}`, [...THRESHOLD_KEYS, 'workers', 'skip', 'timeoutMs', 'driftCacheMs', 'statsCacheMs'].join(', '));
      }
    }
  }
  return { ...settings, ...overrides };
}

function readThreshold(path: string, value: unknown, fallback: Threshold): Threshold {
  if (typeof value === 'number') return { degraded: value, failing: value };
  if (!isObject(value)) throw configError(path, 'a number or { "degraded": N, "failing": N }', value);
  const out = { ...fallback };
  for (const [k, v] of Object.entries(value)) {
    if (k !== 'degraded' && k !== 'failing') throw unknownKey(`${path}.${k}`, 'degraded, failing');
    out[k] = readNumber(`${path}.${k}`, v);
  }
  return out;
}

function readNumber(path: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) throw configError(path, 'a non-negative number', value);
  return value;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function configError(path: string, expected: string, found: unknown): LockstepError {
  return new LockstepError(`lockstep.config.json: ${path} must be ${expected}, found ${JSON.stringify(found)}`, {
    hint: 'See docs/health.md for the health section and its defaults.',
  });
}

function unknownKey(path: string, known: string): LockstepError {
  return new LockstepError(`lockstep.config.json: unknown setting ${path}`, { hint: `Known: ${known}.` });
}
