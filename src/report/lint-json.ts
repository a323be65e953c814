import type { LintReport } from '../lint/lint.js';

/**
 * `lockstep lint --json`: `{ ok, findings: [...] }`. With `includeIgnored` (`--all`) the
 * silenced findings follow in `ignored`, each with its reason; `findings` keeps its shape.
 */
export function formatLintJson(report: LintReport, options: { includeIgnored?: boolean } = {}): string {
  const out: Record<string, unknown> = { ok: report.ok, findings: report.findings };
  if (options.includeIgnored) out.ignored = report.ignored;
  return `${JSON.stringify(out, null, 2)}\n`;
}
