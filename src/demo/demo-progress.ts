import type { Style } from '../report/style.js';
import type { JobRecord } from '../jobs/job-store.js';

export interface ProgressOutput {
  write(text: string): unknown;
  isTTY?: boolean;
  /** Terminal width: a line that wraps would break the redraw, so messages are cut to fit. */
  columns?: number;
}

/**
 * Terminal progress bars, one per job. On a TTY the block is redrawn in place; otherwise
 * (CI logs, tests) only changes of state are printed, one line each, so logs stay short.
 */
export class ProgressDisplay {
  private drawn = 0;
  private lastState = new Map<number, string>();

  constructor(
    private readonly out: ProgressOutput,
    private readonly style: Style,
  ) {}

  update(jobs: JobRecord[]): void {
    if (this.out.isTTY) {
      const lines = jobs.map((job) => this.line(job));
      let text = this.drawn > 0 ? `\u001b[${this.drawn}A` : '';
      for (const line of lines) text += `\u001b[2K${line}\n`;
      this.out.write(text);
      this.drawn = lines.length;
      return;
    }
    for (const job of jobs) {
      const state = `${job.state}:${job.attempt}`;
      if (this.lastState.get(job.id) === state) continue;
      this.lastState.set(job.id, state);
      if (job.state === 'queued' && job.attempt === 0) continue;
      this.out.write(`  ${label(job)}  ${describe(job)}\n`);
    }
  }

  private line(job: JobRecord): string {
    const s = this.style;
    const width = 24;
    const p = job.progress;
    const fraction = p && p.total ? Math.min(1, p.done / p.total) : job.state === 'succeeded' ? 1 : 0;
    const filled = Math.round(fraction * width);
    const colour = job.state === 'succeeded' ? s.green : job.state === 'dead' ? s.red : job.state === 'retrying' || (job.state === 'queued' && job.attempt > 0) ? s.yellow : s.cyan;
    const bar = colour('█'.repeat(filled)) + s.dim('░'.repeat(width - filled));
    const pct = `${Math.floor(fraction * 100)}%`.padStart(4);
    const counts = p && p.total ? `${p.done.toLocaleString('en-US').padStart(6)}/${p.total.toLocaleString('en-US')}` : ''.padStart(12);
    const eta = job.state === 'running' && p?.etaSeconds !== null && p?.etaSeconds !== undefined ? `ETA ${Math.ceil(p.etaSeconds)}s` : '';
    return `  ${label(job)}  ${bar} ${pct} ${counts.padEnd(13)} ${eta.padEnd(8)} ${describe(job, s, Math.max(12, (this.out.columns ?? 120) - 78))}`;
  }
}

function label(job: JobRecord): string {
  const name = job.key?.replace(/^inventory-sync:/, '') ?? `job ${job.id}`;
  return name.padEnd(18);
}

function describe(job: JobRecord, s?: Style, room = 70): string {
  const dim = s?.dim ?? ((t: string) => t);
  const red = s?.red ?? ((t: string) => t);
  const yellow = s?.yellow ?? ((t: string) => t);
  const green = s?.green ?? ((t: string) => t);
  switch (job.state) {
    case 'running':
      return `running ${dim(`(attempt ${job.attempt}/${job.maxAttempts})`)}`;
    case 'retrying':
      return yellow(shorten(`retrying after: ${job.lastError ?? ''}`, room));
    case 'queued':
      return job.attempt > 0 ? yellow(shorten(`retrying after: ${job.lastError ?? ''}`, room)) : dim('queued');
    case 'succeeded':
      return green(`done${job.attempt > 1 ? ` (after ${job.attempt} attempts)` : ''}`);
    case 'dead':
      return red(shorten(`dead: ${job.lastError ?? ''}`, room));
    default:
      return job.state;
  }
}

function shorten(text: string, room: number): string {
  const first = text.split('\n')[0];
  return first.length > room ? `${first.slice(0, room - 1)}…` : first;
}
