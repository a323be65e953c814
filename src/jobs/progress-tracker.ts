import type { ProgressSnapshot } from './job-store.js';

/** How far back the ETA looks: the rate over the last window, not since the start. */
const RATE_WINDOW_MS = 10_000;

/**
 * A running job's progress, kept in memory. `update` is what `ctx.progress` calls, so it
 * only assigns; the worker samples and writes it on its flush timer (`take`), at most once
 * per interval, and once more when the job ends.
 *
 * @example
 * const p = new ProgressTracker();
 * p.update(50, 200);
 * p.take(Date.now()); // → { done: 50, total: 200, percent: 25, etaSeconds: null }
 */
export class ProgressTracker {
  private done = 0;
  private total: number | null = null;
  private dirty = false;
  private reported = false;
  private samples: { at: number; done: number }[] = [];

  update(done: number, total?: number): void {
    this.done = done;
    if (total !== undefined) this.total = total;
    this.dirty = true;
    this.reported = true;
  }

  /** The snapshot to write when something changed since the last take, else null. */
  take(now: number): ProgressSnapshot | null {
    if (!this.dirty) return null;
    this.dirty = false;
    this.samples.push({ at: now, done: this.done });
    while (this.samples.length > 2 && now - this.samples[1].at >= RATE_WINDOW_MS) this.samples.shift();
    return this.snapshot();
  }

  /** The last reported value, or null when the task never reported progress. */
  final(): ProgressSnapshot | null {
    if (!this.reported) return null;
    return { ...this.snapshot(), etaSeconds: 0 };
  }

  private snapshot(): ProgressSnapshot {
    const percent = this.total && this.total > 0 ? Math.round(Math.min(100, (this.done / this.total) * 100) * 100) / 100 : null;
    return { done: this.done, total: this.total, percent, etaSeconds: this.eta() };
  }

  private eta(): number | null {
    if (this.total === null || this.samples.length < 2) return null;
    const first = this.samples[0];
    const last = this.samples[this.samples.length - 1];
    const rate = (last.done - first.done) / ((last.at - first.at) / 1000);
    if (!(rate > 0)) return null;
    return Math.max(0, Math.round(((this.total - this.done) / rate) * 10) / 10);
  }
}
