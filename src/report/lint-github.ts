import { githubEscape } from './style.js';
import type { LintReport } from '../lint/lint.js';

/**
 * GitHub Actions workflow commands: one annotation per finding on the migration line,
 * and one per code reference on the line of code that still uses the dropped object.
 */
export function formatLintGithub(report: LintReport): string {
  const out: string[] = [];
  for (const f of report.findings) {
    const level = f.severity === 'error' ? 'error' : 'warning';
    out.push(`::${level} file=${githubEscape(f.file, true)},line=${f.line},title=${githubEscape(`lockstep ${f.rule}`, true)}::${githubEscape(f.message)}`);
    for (const r of f.references ?? []) {
      const what = f.column ? `${f.table}.${f.column}` : f.table;
      out.push(`::${level} file=${githubEscape(r.file, true)},line=${r.line},col=${r.column},title=${githubEscape(`lockstep ${f.rule}`, true)}::${githubEscape(`uses ${what}, which ${f.file}:${f.line} removes`)}`);
    }
  }
  return out.length > 0 ? `${out.join('\n')}\n` : '';
}
