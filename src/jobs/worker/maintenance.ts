import type { JobStore } from '../job-store.js';

/**
 * The queue's housekeeping (rescue of expired leases, planner statistics, the cached queue statistics, pruning), done
 * by one elected worker per interval, not by all: the oldest registered worker whose
 * heartbeat is younger than a lease. When it dies, its heartbeat ages past the lease (the
 * moment its jobs' leases expire too) and the next oldest takes over.
 */
export class Maintenance {
  private cache: { at: number; me: boolean } | undefined;

  constructor(
    private readonly store: JobStore,
    private readonly workerId: string,
    private readonly leaseMs: number,
  ) {}

  /** Whether this worker is the maintainer now (asked at most about once a second). */
  async isMaintainer(): Promise<boolean> {
    const now = Date.now();
    if (this.cache && now - this.cache.at < Math.min(1000, this.leaseMs / 4)) return this.cache.me;
    const live = (await this.store.workers()).filter((w) => w.heartbeatAgeMs < this.leaseMs);
    const me = live.length === 0 || live[0]!.id === this.workerId;
    this.cache = { at: now, me };
    return me;
  }

  /** Runs `work` when this worker is the maintainer. */
  async ifMaintainer<T>(work: () => Promise<T>): Promise<T | undefined> {
    return (await this.isMaintainer()) ? work() : undefined;
  }
}
