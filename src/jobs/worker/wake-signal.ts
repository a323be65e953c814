/**
 * The claim loop's doorbell: `ring()` (a NOTIFY, a freed slot, a rescue) ends the current
 * `wait(ms)` at once; a ring while nobody waits is remembered until the next wait.
 */
export class WakeSignal {
  private pending = false;
  private waiter: (() => void) | undefined;

  ring(): void {
    this.pending = true;
    const waiter = this.waiter;
    this.waiter = undefined;
    waiter?.();
  }

  /** Resolves on the next ring, or after `timeoutMs`; a ring that came first resolves at once. */
  wait(timeoutMs: number): Promise<void> {
    if (this.pending) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.waiter = undefined;
        resolve();
      }, timeoutMs);
      this.waiter = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }

  /** Forgets a remembered ring (the loop is about to look for work anyway). */
  clear(): void {
    this.pending = false;
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
