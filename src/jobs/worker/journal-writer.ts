import type { JobStore, LogLine, StepWrite } from '../job-store.js';
import { sleep } from './wake-signal.js';

/**
 * Writes step results and `ctx.log` lines for every job of a worker, group-committed:
 * whatever arrives while a write is in flight goes out together in the next one (one
 * statement for the steps, one for the lines), so ten jobs stepping at once share one
 * round trip. `write` resolves once its records are durable, and rejects when the write
 * failed (the job's next step then fails its attempt rather than run on an unrecorded result).
 */
export class JournalWriter {
  private steps: StepWrite[] = [];
  private logs: LogLine[] = [];
  private waiters: { resolve: () => void; reject: (error: unknown) => void }[] = [];
  private draining: Promise<void> | undefined;

  constructor(private readonly store: JobStore) {}

  write(steps: readonly StepWrite[], logs: readonly LogLine[] = []): Promise<void> {
    if (steps.length === 0 && logs.length === 0) return Promise.resolve();
    return new Promise((resolve, reject) => {
      this.steps.push(...steps);
      this.logs.push(...logs);
      this.waiters.push({ resolve, reject });
      this.draining ??= this.drain().finally(() => (this.draining = undefined));
    });
  }

  private async drain(): Promise<void> {
    while (this.waiters.length > 0) {
      const steps = this.steps;
      const logs = this.logs;
      const waiters = this.waiters;
      this.steps = [];
      this.logs = [];
      this.waiters = [];
      try {
        await this.writeBatch(steps, logs);
        for (const w of waiters) w.resolve();
      } catch (error) {
        for (const w of waiters) w.reject(error);
      }
    }
  }

  /** One batch, tried three times: a blip of the connection should not fail every stepping job. */
  private async writeBatch(steps: StepWrite[], logs: LogLine[]): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        // Chunks keep one statement's parameter reasonable when 10,000 items finish at once.
        // Rewriting a chunk that did commit is harmless: a done step is never changed.
        for (let i = 0; i < steps.length; i += 2000) await this.store.saveSteps(steps.slice(i, i + 2000));
        if (logs.length > 0) await this.store.appendLogs(logs);
        return;
      } catch (error) {
        if (attempt >= 3) throw error;
        await sleep(100 * attempt);
      }
    }
  }
}
