import { errorMessage } from '../../core/errors.js';
import type { WorkerLogger } from '../job-logger.js';
import type { Completion, JobStore } from '../job-store.js';
import { sleep } from './wake-signal.js';

/**
 * Writes successful completions. Completions that arrive while a write is in flight go
 * out together in the next one (one statement for up to 1,000 jobs), so a busy worker
 * spends one round trip per batch, not per job. A failed write is retried with backoff;
 * after a few failures the batch is given up (the leases expire and the jobs run again:
 * at-least-once).
 */
export class CompletionBatcher {
  private queue: { item: Completion; resolve: () => void }[] = [];
  private draining: Promise<void> | undefined;

  constructor(
    private readonly store: JobStore,
    private readonly log: WorkerLogger,
    /** True once the worker stops: gives up on a failing write sooner. */
    private readonly stopping: () => boolean,
  ) {}

  /** Resolves once the completion is written (or given up). */
  complete(item: Completion): Promise<void> {
    return new Promise((resolve) => {
      this.queue.push({ item, resolve });
      this.draining ??= this.drain().finally(() => (this.draining = undefined));
    });
  }

  /** Resolves when every queued completion has been written or given up. */
  async flushed(): Promise<void> {
    await this.draining;
  }

  private async drain(): Promise<void> {
    let failures = 0;
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0, 1000);
      try {
        const written = new Set(await this.store.complete(batch.map((b) => b.item)));
        for (const b of batch) {
          if (!written.has(b.item.id)) this.log.warn(`job ${b.item.id} finished, but its lease was lost meanwhile: another worker owns it now`);
          b.resolve();
        }
        failures = 0;
      } catch (error) {
        failures++;
        if (failures > 5 || (this.stopping() && failures > 2)) {
          this.log.error(`recording ${batch.length} completion(s) failed (${errorMessage(error)}); their leases will expire and they will run again`);
          for (const b of batch) b.resolve();
          continue;
        }
        this.queue.unshift(...batch);
        await sleep(100 * 2 ** failures);
      }
    }
  }
}
