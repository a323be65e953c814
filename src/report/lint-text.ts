import type { Style } from './style.js';
import type { LintFinding } from '../lint/lint-rule.js';
import type { LintReport } from '../lint/lint.js';

/**
 * Human output, grouped by migration:
 *
 *   migrations/002_drop_tenant_config/up.sql
 *     1  error    code-reference  drops tenants.config, but src/ still uses it in 2 places. …
 *          src/adapters.ts:12:17  return tenant.config.adapters;
 */
export function formatLintText(report: LintReport, style: Style, options: { includeIgnored?: boolean } = {}): string {
  const lines: string[] = [];
  const byFile = new Map<string, { findings: LintFinding[]; ignored: (LintFinding & { reason: string })[] }>();
  const group = (file: string) => {
    let g = byFile.get(file);
    if (!g) byFile.set(file, (g = { findings: [], ignored: [] }));
    return g;
  };
  for (const f of report.findings) group(f.file).findings.push(f);
  if (options.includeIgnored) for (const f of report.ignored) group(f.file).ignored.push(f);
  for (const [file, g] of byFile) {
    lines.push(style.bold(file));
    for (const f of g.findings) {
      const severity = f.severity === 'error' ? style.red('error  ') : style.yellow('warning');
      lines.push(`  ${String(f.line).padStart(3)}  ${severity}  ${style.cyan(f.rule)}  ${f.message}`);
      for (const r of f.references ?? []) lines.push(`         ${style.dim(`${r.ref !== undefined ? `${r.ref}:` : ''}${r.file}:${r.line}:${r.column}`)}  ${r.text}`);
    }
    for (const f of g.ignored) {
      lines.push(`  ${String(f.line).padStart(3)}  ${style.dim('ignored')}  ${style.cyan(f.rule)}  ${style.dim(f.message)}`);
      lines.push(`         ${style.dim(`reason: ${f.reason}`)}`);
    }
    lines.push('');
  }
  const errors = report.findings.filter((f) => f.severity === 'error').length;
  const warnings = report.findings.length - errors;
  const scope = `${report.linted.length} migration${report.linted.length === 1 ? '' : 's'}`;
  const silenced = report.ignored.length > 0 ? `, ${report.ignored.length} ignored${options.includeIgnored ? '' : ' (shown with --all)'}` : '';
  if (report.linted.length === 0) lines.push('nothing to lint: no pending migrations (lint every migration with --all)');
  else if (report.findings.length === 0) lines.push(`${style.green('✓')} ${scope} linted, no findings${silenced}`);
  else lines.push(`${errors > 0 ? style.red('✗') : style.yellow('!')} ${scope} linted: ${errors} error${errors === 1 ? '' : 's'}, ${warnings} warning${warnings === 1 ? '' : 's'}${silenced}`);
  return `${lines.join('\n')}\n`;
}
