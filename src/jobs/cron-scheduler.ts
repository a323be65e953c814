import { Cron } from 'croner';
import { LockstepError } from '../core/errors.js';
import { flowKeys } from './flow-control.js';
import type { JobStore } from './job-store.js';
import type { WorkerLogger } from './job-logger.js';
import type { CronSchedule, Task } from './task.js';

/** Missed ticks enqueued at most, per task, when `catchUp` is on. */
const MAX_CATCH_UP = 1000;

interface Schedule {
  task: Task<any>;
  cron: Cron;
  catchUp: boolean;
  payload: unknown;
}

export function normalizeCron(schedule: CronSchedule): { pattern: string; timezone: string; catchUp: boolean; payload: unknown } {
  return typeof schedule === 'string'
    ? { pattern: schedule, timezone: 'UTC', catchUp: false, payload: {} }
    : { pattern: schedule.pattern, timezone: schedule.timezone ?? 'UTC', catchUp: schedule.catchUp ?? false, payload: schedule.payload ?? {} };
}

/**
 * Enqueues each cron task's job at every tick. Every worker runs one; each tick is a row
 * keyed by (task, tick time) inserted in the same transaction as its job, so however many
 * workers race for a tick, exactly one job is enqueued. Ticks missed while no worker ran
 * are skipped unless the task asks for `catchUp`.
 */
export class CronScheduler {
  private schedules: Schedule[] = [];
  private timers = new Set<NodeJS.Timeout>();
  private stopped = false;

  constructor(
    private readonly store: JobStore,
    tasks: Task<any>[],
    private readonly logger: WorkerLogger,
  ) {
    for (const task of tasks) {
      if (!task.cron) continue;
      const { pattern, timezone, catchUp, payload } = normalizeCron(task.cron);
      let cron: Cron;
      try {
        cron = new Cron(pattern, { timezone, paused: true });
      } catch (error) {
        throw new LockstepError(`task "${task.name}": cron pattern "${pattern}" is not valid: ${(error as Error).message}`, {
          hint: 'Use five fields (minute hour day month weekday) or six with seconds first, e.g. "0 3 * * *".',
        });
      }
      this.schedules.push({ task, cron, catchUp, payload });
    }
  }

  get size(): number {
    return this.schedules.length;
  }

  async start(): Promise<void> {
    for (const schedule of this.schedules) {
      if (schedule.catchUp) await this.catchUp(schedule);
      this.scheduleNext(schedule, new Date());
    }
  }

  stop(): void {
    this.stopped = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }

  private async catchUp(schedule: Schedule): Promise<void> {
    const last = await this.store.lastCronTick(schedule.task.name);
    if (!last) return;
    const now = Date.now();
    let tick = schedule.cron.nextRun(last);
    for (let n = 0; tick && tick.getTime() <= now && n < MAX_CATCH_UP; n++) {
      await this.fire(schedule, tick);
      tick = schedule.cron.nextRun(tick);
    }
  }

  private scheduleNext(schedule: Schedule, after: Date): void {
    if (this.stopped) return;
    const tick = schedule.cron.nextRun(after);
    if (!tick) return;
    // Timers can fire a little early; never fire a tick before its time.
    const arm = () => {
      const wait = tick.getTime() - Date.now();
      const timer = setTimeout(
        async () => {
          this.timers.delete(timer);
          if (this.stopped) return;
          if (Date.now() < tick.getTime()) return arm();
          await this.fire(schedule, tick);
          this.scheduleNext(schedule, tick);
        },
        Math.max(0, Math.min(wait, 2_147_000_000)),
      );
      this.timers.add(timer);
    };
    arm();
  }

  private async fire(schedule: Schedule, tick: Date): Promise<void> {
    const { task } = schedule;
    try {
      const id = await this.store.claimCronTick(task.name, tick, {
        task: task.name,
        queue: task.queue,
        payload: schedule.payload,
        key: null,
        runAt: null,
        priority: task.priority ?? 0,
        maxAttempts: task.maxAttempts,
        ...flowKeys(task, schedule.payload),
      });
      if (id !== null) this.logger.info(`cron ${task.name}: tick ${tick.toISOString()} enqueued job ${id}`);
    } catch (error) {
      this.logger.error(`cron ${task.name}: tick ${tick.toISOString()} could not be enqueued: ${(error as Error).message}`);
    }
  }
}
