import type { Style } from './style.js';
import type { RehearsalReport } from '../rehearse/rehearse.js';

const ms = (n: number) => (n < 1000 ? `${n} ms` : `${(n / 1000).toFixed(1)} s`);

/** Text report of `lockstep rehearse`, one block per migration. */
export function formatRehearsalText(report: RehearsalReport, style: Style): string {
  const lines = [`rehearsing ${report.steps.length} migration${report.steps.length === 1 ? '' : 's'} on ${report.database} (${report.sandbox})`, ''];
  for (const step of report.steps) {
    const status =
      step.status === 'ok' ? style.green('ok             ') : step.status === 'failed' ? style.red('failed         ') : step.status === 'not-run' ? style.dim('not run        ') : style.yellow('not rehearsable');
    lines.push(`${status}  ${step.migration}  ${style.dim(step.status === 'ok' || step.status === 'failed' ? ms(step.durationMs) : '')}`.trimEnd());
    if (step.locks && step.locks.length > 0) lines.push(`  ${style.dim('locks:')} ${step.locks.map((l) => `${l.relation} ${l.mode}${l.heldMs !== undefined ? ` (held ${ms(l.heldMs)})` : ''}`).join(', ')}`);
    if (step.error) lines.push(`  ${step.error.location}: ${step.error.message}`);
    for (const problem of step.problems ?? []) lines.push(`  ${style.bold(problem)}`);
    if (step.reason) lines.push(`  ${style.dim(`${step.reason}; apply it with lockstep migrate up once the others are safe`)}`);
  }
  lines.push('');
  if (report.lockHeldMs !== undefined) lines.push(`locks on the live database were held for ${ms(report.lockHeldMs)}, until the rollback`);
  const failed = report.steps.filter((s) => s.status === 'failed').length;
  const skipped = report.steps.filter((s) => s.status === 'not-rehearsable').length;
  if (report.steps.length === 0) lines.push('nothing to rehearse: no pending migrations');
  else if (failed > 0) lines.push(`${style.red('✗')} ${failed} migration${failed === 1 ? '' : 's'} would fail on the live data; the database was left as it was`);
  else lines.push(`${style.green('✓')} every rehearsed migration applies to the live data${skipped > 0 ? ` (${skipped} not rehearsable)` : ''}; the database was left as it was`);
  return `${lines.join('\n')}\n`;
}
