import { errorMessage } from '../../core/errors.js';
import type { WorkerLogger } from '../job-logger.js';
import type { Completion, JobStore } from '../job-store.js';
import { sleep } from './wake-signal.js';

/** Completions written in one statement at most. */
const MAX_BATCH = 1000;

/**
 * Writes successful completions. Completions that arrive while a write is in flight go
 * out together in the next one (one statement for up to 1,000 jobs), so a busy worker
 * spends one round trip per batch, not per job. A failed write is retried with backoff;
 * after a few failures the batch is given up (the leases expire and the jobs run again:
 * at-least-once).
 */
export class CompletionBatcher {
  private queue: Completion[] = [];
  private draining: Promise<void> | undefined;

  constructor(
    private readonly store: JobStore,
    private readonly log: WorkerLogger,
    /** True once the worker stops: gives up on a failing write sooner. */
    private readonly stopping: () => boolean,
    /** These completions were written or given up (called once per batch, not per job). */
    private readonly settled: (items: readonly Completion[]) => void,
  ) {}

  /** Queues a completion; `settled` hears of it once it is written (or given up). */
  add(item: Completion): void {
    this.queue.push(item);
    this.draining ??= this.drain().finally(() => (this.draining = undefined));
  }

  /** Resolves when every queued completion has been written or given up. */
  async flushed(): Promise<void> {
    await this.draining;
  }

  private async drain(): Promise<void> {
    let failures = 0;
    while (this.queue.length > 0) {
      let batch: Completion[];
      if (this.queue.length <= MAX_BATCH) {
        batch = this.queue;
        this.queue = [];
      } else batch = this.queue.splice(0, MAX_BATCH);
      try {
        const written = await this.store.complete(batch);
        if (written.length < batch.length) {
          const kept = new Set(written);
          for (const item of batch) if (!kept.has(item.id)) this.log.warn(`job ${item.id} finished, but its lease was lost meanwhile: another worker owns it now`);
        }
        this.settled(batch);
        failures = 0;
      } catch (error) {
        failures++;
        if (failures > 5 || (this.stopping() && failures > 2)) {
          this.log.error(`recording ${batch.length} completion(s) failed (${errorMessage(error)}); their leases will expire and they will run again`);
          this.settled(batch);
          continue;
        }
        this.queue = batch.concat(this.queue);
        await sleep(100 * 2 ** failures);
      }
    }
  }
}
