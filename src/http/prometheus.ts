/**
 * Prometheus text exposition format (version 0.0.4), written by hand: lockstep exposes a
 * handful of gauges read from the database at scrape time, which does not need a client
 * library's registry of in-process counters.
 *
 * https://prometheus.io/docs/instrumenting/exposition_formats/
 */

export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

export type MetricType = 'gauge' | 'counter' | 'untyped';

export interface Sample {
  labels?: Record<string, string>;
  value: number;
}

export interface MetricFamily {
  /** `[a-zA-Z_:][a-zA-Z0-9_:]*`, e.g. `lockstep_jobs`. */
  name: string;
  help: string;
  type: MetricType;
  samples: Sample[];
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/**
 * Renders metric families as Prometheus text. Families without samples still get their
 * HELP and TYPE lines, so a dashboard sees the metric exists before the first job.
 *
 * @example
 * renderPrometheus([{ name: 'lockstep_workers', help: 'Live workers.', type: 'gauge', samples: [{ value: 2 }] }]);
 * // '# HELP lockstep_workers Live workers.\n# TYPE lockstep_workers gauge\nlockstep_workers 2\n'
 */
export function renderPrometheus(families: readonly MetricFamily[]): string {
  const out: string[] = [];
  const seen = new Set<string>();
  for (const family of families) {
    if (!NAME.test(family.name)) throw new Error(`invalid Prometheus metric name "${family.name}"`);
    // The format forbids a family appearing twice; a duplicate is a bug in the caller.
    if (seen.has(family.name)) throw new Error(`metric family "${family.name}" rendered twice`);
    seen.add(family.name);
    out.push(`# HELP ${family.name} ${escapeHelp(family.help)}`);
    out.push(`# TYPE ${family.name} ${family.type}`);
    for (const sample of family.samples) out.push(`${family.name}${renderLabels(sample.labels)} ${formatValue(sample.value)}`);
  }
  return out.length === 0 ? '' : `${out.join('\n')}\n`;
}

function renderLabels(labels: Record<string, string> | undefined): string {
  if (!labels) return '';
  const entries = Object.entries(labels);
  if (entries.length === 0) return '';
  for (const [key] of entries) {
    if (!LABEL.test(key) || key.startsWith('__')) throw new Error(`invalid Prometheus label name "${key}"`);
  }
  return `{${entries.map(([k, v]) => `${k}="${escapeLabelValue(v)}"`).join(',')}}`;
}

function escapeHelp(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

function escapeLabelValue(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

function formatValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return '+Inf';
  if (value === -Infinity) return '-Inf';
  return String(value);
}
