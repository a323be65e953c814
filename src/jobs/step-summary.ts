import type { StepRecord } from './job-store.js';

/** A step as `jobs show` presents it: the items of one `ctx.steps` call are one entry. */
export interface StepSummary {
  name: string;
  status: 'done' | 'waiting';
  /** Items of a `ctx.steps` entry: recorded so far. Absent for a single step. */
  items?: number;
  attempt: number;
  startedAt: string;
  finishedAt: string | null;
  durationMs: number | null;
}

/** The name of item `index` of `ctx.steps(name, …)`. */
export function itemStepName(name: string, index: number): string {
  return `${name}[${index}]`;
}

/**
 * Collapses item steps (`name[0]`, `name[1]`, …) into one entry per `ctx.steps` call.
 *
 * @example
 * summarizeSteps(steps); // [{ name: 'fetch', status: 'done', … }, { name: 'push', items: 6000, … }]
 */
export function summarizeSteps(steps: readonly StepRecord[]): StepSummary[] {
  const out: StepSummary[] = [];
  const groups = new Map<string, StepSummary>();
  for (const step of steps) {
    const item = /^(.*)\[(\d+)\]$/.exec(step.name);
    const finished = step.finishedAt?.toISOString() ?? null;
    if (item) {
      const group = groups.get(item[1]!);
      if (group) {
        group.items!++;
        group.attempt = Math.max(group.attempt, step.attempt);
        if (finished && (!group.finishedAt || finished > group.finishedAt)) group.finishedAt = finished;
        group.durationMs = group.finishedAt ? Date.parse(group.finishedAt) - Date.parse(group.startedAt) : null;
        continue;
      }
    }
    const entry: StepSummary = {
      name: item ? item[1]! : step.name,
      status: step.status,
      ...(item && { items: 1 }),
      attempt: step.attempt,
      startedAt: step.startedAt.toISOString(),
      finishedAt: finished,
      durationMs: step.finishedAt ? step.finishedAt.getTime() - step.startedAt.getTime() : null,
    };
    if (item) groups.set(item[1]!, entry);
    out.push(entry);
  }
  return out;
}
