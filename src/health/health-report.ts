import type { OpsFacts, SectionTiming } from './ops-facts.js';
import type { HealthSettings, ProbeName, Threshold } from './health-settings.js';

export type ProbeStatus = 'ok' | 'degraded' | 'failing' | 'skipped';

export interface ProbeResult {
  name: ProbeName;
  status: ProbeStatus;
  /** One line a person on call can act on. */
  message: string;
  /** The measured number the status was decided on (latency, count, age in seconds). */
  value: number | null;
  durationMs: number;
}

export interface HealthReport {
  /** true only when every probe is ok or skipped; `degraded` is not ok (exit 1, /readyz 503). */
  ok: boolean;
  /** The worst probe status (skipped probes count as ok). */
  status: 'ok' | 'degraded' | 'failing';
  checkedAt: string;
  database: string;
  probes: ProbeResult[];
}

const RANK = { ok: 0, skipped: 0, degraded: 1, failing: 2 } as const;

/**
 * Turns facts into probe results. Pure: the same facts and settings always give the same
 * report, which is what lets `/readyz`, `lockstep health` and the dashboard agree.
 *
 * @example
 * const report = evaluateHealth(await collectFacts(db, config), resolveHealthSettings(config.raw.health));
 * report.probes.filter((p) => p.status === 'failing').map((p) => p.name);
 */
export function evaluateHealth(facts: OpsFacts, settings: HealthSettings): HealthReport {
  const probes: ProbeResult[] = [
    probeDatabase(facts, settings),
    probeMigrations(facts, settings),
    probeSchema(facts, settings),
    probeJobsSchema(facts),
    probeWorkers(facts, settings),
    probeQueueLag(facts, settings),
    probeExpiredLeases(facts, settings),
    probeDeadJobs(facts, settings),
  ].map((probe) => (settings.skip.includes(probe.name) ? { ...probe, status: 'skipped' as const, message: 'skipped by health.skip in the config' } : probe));
  const worst = probes.reduce((w, p) => Math.max(w, RANK[p.status]), 0);
  const status = worst === 2 ? 'failing' : worst === 1 ? 'degraded' : 'ok';
  return { ok: status === 'ok', status, checkedAt: facts.collectedAt, database: facts.database.displayUrl, probes };
}

function grade(value: number, threshold: Threshold): ProbeStatus {
  if (value >= threshold.failing) return 'failing';
  if (value >= threshold.degraded) return 'degraded';
  return 'ok';
}

function result(name: ProbeName, status: ProbeStatus, message: string, value: number | null, section?: SectionTiming): ProbeResult {
  return { name, status, message, value, durationMs: Math.round(section?.durationMs ?? 0) };
}

/** A probe that cannot read its data fails, naming why (unless the database probe already explains it). */
function unreadable(name: ProbeName, facts: OpsFacts, section: SectionTiming): ProbeResult | undefined {
  // The database probe already fails; repeating that under every probe would bury it.
  if (!facts.database.reachable) return result(name, 'skipped', 'not checked: the database is unreachable', null);
  if (section.error) return result(name, 'failing', `could not be read: ${section.error}`, null, section);
  return undefined;
}

function probeDatabase({ database }: OpsFacts, settings: HealthSettings): ProbeResult {
  if (!database.reachable) return result('database', 'failing', `unreachable: ${database.error ?? 'no answer'}`, null);
  const latency = database.latencyMs ?? 0;
  const status = grade(latency, settings.databaseLatencyMs);
  const slow = status === 'ok' ? '' : ` (over ${status === 'failing' ? settings.databaseLatencyMs.failing : settings.databaseLatencyMs.degraded} ms)`;
  return result('database', status, `reachable, select 1 took ${latency.toFixed(1)} ms${slow}`, round(latency), { durationMs: latency });
}

function probeMigrations(facts: OpsFacts, settings: HealthSettings): ProbeResult {
  const m = facts.migrations;
  if (!m.configured) return result('migrations', 'skipped', 'no migrations folder configured', null);
  const bad = unreadable('migrations', facts, m);
  if (bad) return bad;
  const pending = m.pending.length;
  if (pending === 0) return result('migrations', 'ok', `at head (${m.applied.length} applied)`, 0, m);
  const names = m.pending.slice(0, 3).map((p) => `${p.version}_${p.name}`).join(', ');
  return result('migrations', grade(pending, settings.pendingMigrations), `${pending} pending: ${names}${pending > 3 ? ', …' : ''}; run lockstep migrate up`, pending, m);
}

function probeSchema(facts: OpsFacts, settings: HealthSettings): ProbeResult {
  const s = facts.schema;
  if (!s.configured) return result('schema', 'skipped', 'no schema.sql or migrations configured to compare with', null);
  const bad = unreadable('schema', facts, s);
  if (bad) return bad;
  const count = s.changes.length;
  if (count === 0) return result('schema', 'ok', `in sync with ${s.expectedSource ?? 'the expected schema'}`, 0, s);
  const kinds = new Map<string, number>();
  for (const change of s.changes) kinds.set(change.kind, (kinds.get(change.kind) ?? 0) + 1);
  const summary = [...kinds].map(([kind, n]) => `${n} ${kind}`).join(', ');
  return result('schema', grade(count, settings.driftChanges), `${count} difference${count === 1 ? '' : 's'} from ${s.expectedSource ?? 'the expected schema'} (${summary}); run lockstep check`, count, s);
}

function probeJobsSchema(facts: OpsFacts): ProbeResult {
  const j = facts.jobs;
  const bad = unreadable('jobs-schema', facts, j);
  if (bad) return bad;
  if (!j.installed) return result('jobs-schema', 'skipped', 'jobs tables not installed (lockstep jobs install); jobs probes skipped', null, j);
  if (j.expectedVersion !== null && j.version !== j.expectedVersion) {
    const what = (j.version ?? 0) < j.expectedVersion ? 'older than' : 'newer than';
    return result('jobs-schema', 'failing', `jobs tables at version ${j.version}, ${what} the version ${j.expectedVersion} this lockstep expects; run lockstep jobs install`, j.version, j);
  }
  return result('jobs-schema', 'ok', `jobs tables at version ${j.version}`, j.version, j);
}

/** Jobs probes share the same preconditions: readable, installed. */
function jobsUnavailable(name: ProbeName, facts: OpsFacts): ProbeResult | undefined {
  const bad = unreadable(name, facts, facts.jobs);
  if (bad) return bad;
  if (!facts.jobs.installed) return result(name, 'skipped', 'jobs tables not installed', null, facts.jobs);
  if (facts.jobs.version !== facts.jobs.expectedVersion) return result(name, 'skipped', 'not checked: the jobs tables are at another version (see jobs-schema)', null, facts.jobs);
  return undefined;
}

function probeWorkers(facts: OpsFacts, settings: HealthSettings): ProbeResult {
  const skip = jobsUnavailable('workers', facts);
  if (skip) return skip;
  const staleMs = settings.workers.staleAfterSeconds * 1000;
  const isLive = (w: OpsFacts['jobs']['workers'][number]) => w.live && (w.heartbeatAgeMs ?? Infinity) <= staleMs;
  const live = facts.jobs.workers.filter(isLive);
  const stale = facts.jobs.workers.filter((w) => !isLive(w));
  const ages = live.map((w) => `${w.name} ${seconds(w.heartbeatAgeMs)}`).join(', ');
  const staleText = stale.length ? `; ${stale.length} stopped heartbeating (${stale.slice(0, 3).map((w) => `${w.name} last seen ${seconds(w.heartbeatAgeMs)} ago`).join(', ')})` : '';
  if (live.length < settings.workers.min) {
    return result('workers', 'failing', `${live.length} live worker${live.length === 1 ? '' : 's'}, at least ${settings.workers.min} expected${staleText}`, live.length, facts.jobs);
  }
  const status = stale.length > 0 ? 'degraded' : 'ok';
  return result('workers', status, `${live.length} live${live.length ? ` (heartbeat age: ${ages})` : ''}${staleText}`, live.length, facts.jobs);
}

function probeQueueLag(facts: OpsFacts, settings: HealthSettings): ProbeResult {
  const skip = jobsUnavailable('queue-lag', facts);
  if (skip) return skip;
  const age = facts.jobs.oldestReadyAgeMs;
  if (age === null) return result('queue-lag', 'ok', 'no job is waiting for a worker', 0, facts.jobs);
  const lagSeconds = age / 1000;
  return result('queue-lag', grade(lagSeconds, settings.queueLagSeconds), `the oldest ready job has waited ${seconds(age)} for a worker`, round(lagSeconds), facts.jobs);
}

function probeExpiredLeases(facts: OpsFacts, settings: HealthSettings): ProbeResult {
  const skip = jobsUnavailable('expired-leases', facts);
  if (skip) return skip;
  const n = facts.jobs.expiredLeases;
  if (n === 0) return result('expired-leases', 'ok', 'no running job has an expired lease', 0, facts.jobs);
  return result('expired-leases', grade(n, settings.expiredLeases), `${n} running job${n === 1 ? ' has' : 's have'} an expired lease (worker gone, not yet rescued; is any worker running?)`, n, facts.jobs);
}

function probeDeadJobs(facts: OpsFacts, settings: HealthSettings): ProbeResult {
  const skip = jobsUnavailable('dead-jobs', facts);
  if (skip) return skip;
  const n = facts.jobs.deadLastHour;
  if (n === 0) return result('dead-jobs', 'ok', 'no job went dead in the last hour', 0, facts.jobs);
  return result('dead-jobs', grade(n, settings.deadJobsLastHour), `${n} job${n === 1 ? '' : 's'} went dead in the last hour; see lockstep jobs list --state dead`, n, facts.jobs);
}

function seconds(ms: number | null): string {
  if (ms === null) return 'never';
  return ms < 10_000 ? `${(ms / 1000).toFixed(1)}s` : `${Math.round(ms / 1000)}s`;
}

function round(n: number): number {
  return Math.round(n * 10) / 10;
}
