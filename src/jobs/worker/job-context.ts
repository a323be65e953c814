import type { WorkerLogger } from '../job-logger.js';
import type { JobStore } from '../job-store.js';
import type { AnyTask, JobLog, TaskContext } from '../task.js';
import { JobJournal } from './job-journal.js';
import type { RunningJob } from './job-runner.js';
import type { JournalWriter } from './journal-writer.js';

/** What every job's context shares with its worker (one object per worker). */
export interface JobContextDeps {
  store: JobStore;
  writer: JournalWriter;
  tasks: Map<string, AnyTask>;
  log: WorkerLogger;
  workerId: string;
}

type Journaled = ReturnType<JobJournal['context']>;

/**
 * The `ctx` a handler gets. Its members are made on first use, not per job: a handler that
 * uses none of them (most run a query and return) costs one small object, where a literal
 * of closures cost a dozen allocations per job, the worker's main cost at thousands of
 * jobs a second. Members are getters that return functions bound to this job, so
 * `const { step, progress } = ctx` works as it would on a plain object.
 */
export class JobContext implements TaskContext {
  private jobInfo: TaskContext['job'] | undefined;
  private journaled: Journaled | undefined;
  private progressFn: TaskContext['progress'] | undefined;

  constructor(
    private readonly entry: RunningJob,
    private readonly deps: JobContextDeps,
  ) {}

  get job(): TaskContext['job'] {
    const { job } = this.entry;
    return (this.jobInfo ??= { id: job.id, attempt: job.attempt, maxAttempts: job.maxAttempts, task: job.task, queue: job.queue });
  }

  get progress(): TaskContext['progress'] {
    return (this.progressFn ??= (done, total) => this.entry.progress.update(done, total));
  }

  get signal(): AbortSignal {
    const entry = this.entry;
    if (!entry.controller) {
      entry.controller = new AbortController();
      if (entry.abortReason) entry.controller.abort(entry.abortReason);
    }
    return entry.controller.signal;
  }

  get log(): JobLog {
    return this.journal().log;
  }

  get step(): TaskContext['step'] {
    return this.journal().step;
  }

  get steps(): TaskContext['steps'] {
    return this.journal().steps;
  }

  get sleep(): TaskContext['sleep'] {
    return this.journal().sleep;
  }

  get waitForEvent(): TaskContext['waitForEvent'] {
    return this.journal().waitForEvent;
  }

  get spawn(): TaskContext['spawn'] {
    return this.journal().spawn;
  }

  get spawnAll(): TaskContext['spawnAll'] {
    return this.journal().spawnAll;
  }

  /** The job's journal (steps, waits, logs), made on the first call of one of its members. */
  private journal(): Journaled {
    if (this.journaled) return this.journaled;
    const { entry } = this;
    entry.journal ??= new JobJournal(entry, this.deps);
    return (this.journaled = entry.journal.context(`job ${entry.job.id} (${entry.job.task})`));
  }
}
