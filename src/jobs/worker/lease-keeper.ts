import type { WorkerLogger } from '../job-logger.js';
import type { JobStore, Lease } from '../job-store.js';
import { JOBS_SCHEMA_VERSION } from '../jobs-schema-version.js';
import { AbortReason, type JobRunner } from './job-runner.js';

/**
 * Renews the leases of the jobs this worker runs, and fences the worker when it cannot.
 *
 * A renewal also reports the jobs whose lease this worker no longer holds: cancelled ones
 * (their handlers' signals are aborted) and ones another worker rescued. When no renewal
 * has worked for most of a lease, another worker may rescue the jobs at any moment, so the
 * keeper fences the worker: every handler is aborted, nothing of theirs is written, and the
 * worker claims nothing until a renewal succeeds again.
 */
export class LeaseKeeper {
  /** Renewals failed for most of a lease. */
  fenced = false;
  private lastRenewal = Date.now();
  private renewing = false;

  constructor(
    private readonly deps: {
      store: JobStore;
      runner: JobRunner;
      log: WorkerLogger;
      workerId: string;
      leaseMs: number;
      stopping: () => boolean;
      /** Jobs claimed but not started yet (the prefetch buffer): their leases are renewed too. */
      waiting: () => Lease[];
      /** A waiting job's lease is gone (cancelled, rescued) or the worker fenced itself: drop it unstarted. */
      dropWaiting: (ids: number[] | 'all') => void;
      /** Renewals work again after a fence: claiming may resume. */
      onUnfenced: () => void;
      /** The jobs tables changed version under the worker. */
      onJobsSchemaChanged: (version: number) => void;
    },
  ) {}

  /** Renews every live lease now (also called on a cancellation notice). */
  async renew(): Promise<void> {
    if (this.renewing) return;
    this.renewing = true;
    const { store, runner, log, workerId, leaseMs } = this.deps;
    try {
      const leases = [...runner.live().map((e) => e.lease), ...this.deps.waiting()];
      const lost = await store.heartbeat({ workerId, leases, leaseMs });
      this.lastRenewal = Date.now();
      if (this.fenced) {
        this.fenced = false;
        log.info(`worker ${workerId}: leases renewed again; claiming jobs`);
        this.deps.onUnfenced();
      }
      if (lost.length > 0) this.deps.dropWaiting(lost.map((l) => l.id));
      for (const { id, state } of lost) {
        const entry = runner.running.get(id);
        if (!entry || entry.abandoned) continue;
        if (state === 'cancelled') runner.abort(entry, new AbortReason('cancelled', 'the job was cancelled'));
        else if (!entry.settled || state === 'running' || state === 'queued') {
          log.warn(`job ${id}: lease lost (now ${state ?? 'deleted'}); stopping it here`);
          runner.abort(entry, new AbortReason('lease-lost', `lost the lease (job is now ${state ?? 'deleted'})`));
        }
      }
      const version = await store.installedVersion();
      if (version !== JOBS_SCHEMA_VERSION && !this.deps.stopping()) this.deps.onJobsSchemaChanged(version);
    } finally {
      this.renewing = false;
    }
  }

  /** Fences the worker when the last successful renewal is older than `fenceAfterMs`. */
  fenceIfStale(fenceAfterMs: number): void {
    const since = Date.now() - this.lastRenewal;
    if (this.fenced || this.deps.stopping() || since < fenceAfterMs) return;
    this.fenced = true;
    const { runner, log, workerId, leaseMs } = this.deps;
    const victims = runner.live();
    log.error(`worker ${workerId}: could not renew its leases for ${since} ms (lease ${leaseMs} ms); fencing itself: aborting ${victims.length} job(s), claiming nothing until a renewal succeeds`);
    this.deps.dropWaiting('all');
    for (const entry of victims) runner.abort(entry, new AbortReason('lease-lost', `fenced: leases not renewed for ${since} ms`));
  }
}
