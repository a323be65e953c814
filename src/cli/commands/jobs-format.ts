import { shownProgress } from '../../jobs/job-rows.js';
import type { JobAttempt, JobRecord } from '../../jobs/job-store.js';
import type { JobDetails } from '../../jobs/queue.js';
import { summarizeSteps } from '../../jobs/step-summary.js';
import type { Style } from '../../report/style.js';

const stateColour = (style: Style, state: string) =>
  state === 'succeeded' ? style.green(state) : state === 'dead' ? style.red(state) : state === 'running' ? style.cyan(state) : state === 'cancelled' ? style.dim(state) : style.yellow(state);

function progressText(job: JobRecord): string {
  // No ETA unless the job runs: a queued, released or cancelled job is not finishing.
  const p = shownProgress(job);
  if (!p) return '';
  const of = p.total === null ? `${p.done}` : `${p.done}/${p.total}`;
  return `${of}${p.percent === null ? '' : ` ${p.percent}%`}${p.etaSeconds ? ` eta ${p.etaSeconds}s` : ''}`;
}

/** `jobs list` as an aligned table. */
export function formatJobTable(jobs: JobRecord[], style: Style): string {
  if (jobs.length === 0) return 'no jobs\n';
  const rows = jobs.map((j) => [
    String(j.id),
    j.task,
    j.queue,
    j.state,
    `${j.attempt}/${j.maxAttempts}`,
    progressText(j),
    (j.finishedAt ?? j.startedAt ?? j.runAt).toISOString(),
    (j.lastError ?? '').replace(/\s+/g, ' ').slice(0, 60),
  ]);
  const header = ['ID', 'TASK', 'QUEUE', 'STATE', 'ATTEMPT', 'PROGRESS', 'AT', 'LAST ERROR'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[], colour = false) =>
    cells
      .map((c, i) => {
        const padded = i === cells.length - 1 ? c : c.padEnd(widths[i]);
        return colour && i === 3 ? stateColour(style, c) + padded.slice(c.length) : padded;
      })
      .join('  ')
      .trimEnd();
  return `${style.bold(line(header))}\n${rows.map((r) => line(r, true)).join('\n')}\n`;
}

/** `jobs show` as readable text. */
export function formatJobDetails(job: JobDetails, style: Style, attempts: readonly JobAttempt[] = []): string {
  const fields: [string, string][] = [
    ['task', job.task],
    ['queue', job.queue],
    ['state', stateColour(style, job.state)],
    ['attempt', `${job.attempt} of ${job.maxAttempts}`],
    ['priority', String(job.priority)],
    ['key', job.key ?? '-'],
    ['progress', progressText(job) || '-'],
    ['run at', job.runAt.toISOString()],
    ['created', job.createdAt.toISOString()],
    ['started', job.startedAt?.toISOString() ?? '-'],
    ['finished', job.finishedAt?.toISOString() ?? '-'],
    ['worker', job.workerId ?? '-'],
    ['last error', job.lastError ?? '-'],
    ['payload', JSON.stringify(job.payload)],
    ['result', job.state === 'succeeded' ? clip(JSON.stringify(job.result)) : '-'],
    ...(job.parentId === null ? [] : [['parent', `job ${job.parentId}`] as [string, string]]),
  ];
  const out = [`${style.bold(`job ${job.id}`)}`, ...fields.map(([k, v]) => `  ${k.padEnd(10)}  ${v}`), '', style.bold('timeline')];
  for (const e of job.timeline) {
    const attempt = e.attempt === null ? '' : ` (attempt ${e.attempt})`;
    out.push(`  ${e.at.toISOString()}  ${e.kind}${attempt}${e.message ? `: ${e.message}` : ''}${e.workerId ? style.dim(`  ${e.workerId}`) : ''}`);
  }
  if (attempts.length > 0) {
    // Each ended attempt, kept after a retry (the job row holds only the current one).
    out.push('', style.bold('attempts'));
    for (const a of attempts) {
      const took = a.endedAt ? `${a.endedAt.getTime() - a.startedAt.getTime()} ms` : 'running';
      out.push(`  ${String(a.attempt).padStart(2)}  ${a.startedAt.toISOString()}  ${took.padStart(9)}  ${a.outcome}${a.error ? `: ${a.error}` : ''}${a.workerId ? style.dim(`  ${a.workerId}`) : ''}`);
    }
  }
  if (job.steps.length > 0) {
    out.push('', style.bold('steps'));
    for (const s of summarizeSteps(job.steps)) {
      const items = s.items === undefined ? '' : ` (${s.items} items)`;
      const took = s.durationMs === null ? '' : ` in ${s.durationMs} ms`;
      out.push(`  ${s.name}${items}  ${s.status === 'done' ? style.green('done') : style.yellow('waiting')}${took}, attempt ${s.attempt}`);
    }
  }
  if (job.children.length > 0) {
    out.push('', style.bold('children'));
    for (const c of job.children) out.push(`  ${c.id}  ${c.task}  ${stateColour(style, c.state)}${c.lastError ? `: ${c.lastError}` : ''}`);
  }
  if (job.logs.length > 0) {
    out.push('', style.bold('logs'));
    for (const l of job.logs) out.push(`  ${l.at.toISOString()}  (attempt ${l.attempt}) ${l.level === 'info' ? 'info' : l.level === 'warn' ? style.yellow(l.level) : style.red(l.level)}  ${l.message}`);
  }
  return `${out.join('\n')}\n`;
}

/** A long JSON value cut for the terminal (`--json` has it whole). */
function clip(text: string, max = 400): string {
  return text.length <= max ? text : `${text.slice(0, max)}… (${text.length} characters; --json shows all)`;
}
