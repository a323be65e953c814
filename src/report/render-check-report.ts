/**
 * Text and GitHub-annotation renderings of a check/diff report. The JSON rendering is
 * the report itself.
 */
import { getDialect } from '../dialects/index.js';
import type { CheckedChange, CheckReport } from '../check/check.js';
import type { DialectName } from '../core/model.js';
import type { SchemaChange } from '../core/schema-change.js';
import { githubEscape, type Style } from './style.js';

export interface RenderOptions {
  /** Heading words, e.g. `check` or `diff`. */
  command: 'check' | 'diff';
}

/**
 * Text report: model integrity problems first (nothing is compared when there are any),
 * then changes grouped by table, each with its message and `fix:`, a summary line, the
 * "unmigrated" section and, for a three-way check, the live database vs the migrations.
 *
 * @example
 * stdout.write(renderCheckText(report, createStyle(ctx.color), { command: 'check' }));
 */
export function renderCheckText(report: CheckReport, style: Style, options: RenderOptions = { command: 'check' }): string {
  const out: string[] = [];
  out.push(`${style.bold(`lockstep ${options.command}`)} ${style.dim(`(${report.dialect})`)}`);
  out.push(`  expected: ${report.expected.source}`);
  out.push(`  actual:   ${report.actual.source}`);
  if (report.actual.note) out.push(`  ${style.yellow('note:')} ${report.actual.note}`);
  for (const object of report.notCompared ?? []) {
    out.push(`  ${style.yellow('not compared:')} ${object.type} ${object.name} (${object.side}): ${object.reason}`);
  }
  out.push('');

  if (report.modelIssues && report.modelIssues.length > 0) {
    const n = report.modelIssues.length;
    out.push(style.bold(style.red(`${n} problem${n === 1 ? '' : 's'} in the models ${report.expected.source} (nothing was compared)`)));
    for (const issue of report.modelIssues) {
      const at = issue.location.line === null ? issue.location.file : `${issue.location.file}:${issue.location.line}`;
      out.push(`  ${style.red('✗')} ${at}: ${issue.message} ${style.dim(`[${issue.kind}]`)}`);
      if (issue.hint) out.push(`    ${style.dim(issue.hint)}`);
    }
    out.push('');
    out.push(style.red(`✗ fix the models first: an ORM only shows these at the first query`));
    return `${out.join('\n')}\n`;
  }
  const threeWay = report.liveVsMigrations !== undefined;
  if (threeWay) out.push(style.bold('live database vs models'));

  if (report.changes.length === 0) {
    out.push(style.green(`✓ in sync: ${report.actual.source} matches ${report.expected.source}`));
  } else {
    out.push(...renderGroups(report.changes, report.dialect, style));
    out.push(summaryLine(report.changes, style, `${report.actual.source} differs from ${report.expected.source}`));
  }

  const models = report.expected.kind === 'models';
  if (report.unmigrated !== undefined) {
    out.push('');
    if (report.unmigrated.length === 0) {
      out.push(style.green(models ? '✓ migrations reach the models' : '✓ migrations reach the schema file'));
    } else {
      out.push(style.bold(style.yellow(models ? `the models changed but no migration was written (${report.expected.source})` : `${report.expected.source} changed but no migration was written`)));
      out.push(style.dim(`  replaying the migrations does not reach ${report.expected.source}; write a migration for:`));
      if (models) out.push(`  ${style.cyan('fix:')} lockstep generate NAME ${style.dim('(writes the migration from the models, proven on a scratch database)')}`);
      out.push('');
      out.push(...renderGroups(report.unmigrated, report.dialect, style));
      out.push(summaryLine(report.unmigrated, style, models ? 'the migrations differ from the models' : 'the migrations differ from the schema file'));
    }
  }
  if (report.liveVsMigrations) out.push('', ...renderLiveVsMigrations(report.liveVsMigrations, report, style));
  if (report.notes && report.notes.length > 0) {
    out.push('', style.dim('not compared (the database cannot see it):'));
    for (const note of report.notes) out.push(style.dim(`  ${note}`));
  }
  return `${out.join('\n')}\n`;
}

function renderLiveVsMigrations(section: NonNullable<CheckReport['liveVsMigrations']>, report: CheckReport, style: Style): string[] {
  const out: string[] = [style.bold('live database vs migrations')];
  if (section.pending.length === 0 && section.unknown.length === 0 && section.changes.length === 0) {
    return [...out, style.green(`✓ ${report.actual.source} is at the latest migration`)];
  }
  if (section.pending.length > 0) {
    const n = section.pending.length;
    out.push(`  ${style.red('✗')} behind: ${n} migration${n === 1 ? '' : 's'} not applied (${section.pending.join(', ')})`);
    out.push(`    ${style.cyan('fix:')} lockstep migrate up`);
  }
  if (section.unknown.length > 0) {
    const n = section.unknown.length;
    out.push(`  ${style.red('✗')} ahead: ${n} applied migration${n === 1 ? '' : 's'} not in the migrations folder (${section.unknown.join(', ')})`);
    out.push(`    ${style.cyan('fix:')} restore the missing migration folders from version control, or deploy the code that has them`);
  }
  if (section.changes.length > 0) {
    out.push('');
    out.push(...renderGroups(section.changes, report.dialect, style));
    out.push(summaryLine(section.changes, style, `${report.actual.source} differs from the replay of the migrations`));
  }
  return out;
}

function renderGroups(changes: SchemaChange[], dialect: DialectName, style: Style): string[] {
  const out: string[] = [];
  for (const [group, items] of groupByObject(changes)) {
    out.push(style.bold(group));
    for (const change of items as CheckedChange[]) {
      const at = change.location ? style.dim(` (${change.location.file}${change.location.line === null ? '' : `:${change.location.line}`})`) : '';
      out.push(`  ${style.red('✗')} ${change.message} ${style.dim(`[${change.kind}]`)}${at}`);
      if (change.fix) out.push(...renderFix(change.fix, dialect, style));
    }
    out.push('');
  }
  return out;
}

/** A fix of more statements than this is shown as its first line and a count. */
const MAX_INLINE_STATEMENTS = 4;

/**
 * A fix under its change. A long script (a SQLite table rebuild, a recreated enum) would
 * bury the other changes, so it is cut to its first line, which for those is a comment
 * saying what the script does; `--json` keeps the whole SQL.
 */
function renderFix(fix: string, dialect: DialectName, style: Style): string[] {
  const [first, ...rest] = fix.split('\n');
  const head = `    ${style.cyan('fix:')} ${first}`;
  // lockstep writes its fixes one statement per line-ending `;` (trigger bodies aside), so
  // counting those is enough for display and keeps the SQL parser out of a worker.
  const statements = fix.split('\n').filter((line) => /;\s*$/.test(line)).length;
  if (statements <= MAX_INLINE_STATEMENTS) return [head, ...rest.map((line) => `         ${line}`)];
  return [head, `         ${style.dim(`… (${statements} statements; full SQL in --json, or run lockstep generate)`)}`];
}

/** The objects that are not tables, by their kinds' family; every other change belongs to a table. */
const OBJECT_TYPES: Record<string, string> = {
  enum: 'enum',
  view: 'view',
  'virtual-table': 'virtual table',
  domain: 'domain',
  'composite-type': 'composite type',
  function: 'function',
  sequence: 'sequence',
  extension: 'extension',
};

/** `table`, `enum`, `view`, `domain`, …: what a change's `table` names. */
function objectType(change: SchemaChange): string {
  return OBJECT_TYPES[change.kind.split('.')[0]!] ?? 'table';
}

/** Groups changes by the object they belong to: `table jobs`, `enum mood`, `view open_jobs`. */
function groupByObject(changes: SchemaChange[]): Map<string, SchemaChange[]> {
  const groups = new Map<string, SchemaChange[]>();
  for (const change of changes) {
    const key = `${objectType(change)} ${change.schema ? `${change.schema}.` : ''}${change.table}`;
    const list = groups.get(key);
    if (list) list.push(change);
    else groups.set(key, [change]);
  }
  return groups;
}

function summaryLine(changes: SchemaChange[], style: Style, what: string): string {
  const objects = new Set(changes.map((c) => `${objectType(c)} ${c.schema ?? ''}.${c.table}`));
  const counts = new Map<string, number>();
  for (const c of changes) counts.set(c.kind, (counts.get(c.kind) ?? 0) + 1);
  const detail = [...counts].map(([kind, n]) => `${n} ${kind}`).join(', ');
  return style.red(`✗ ${changes.length} change${changes.length === 1 ? '' : 's'} in ${objects.size} object${objects.size === 1 ? '' : 's'}: ${what}`) + style.dim(` (${detail})`);
}

export interface GithubLocation {
  file: string;
  line?: number;
}

/**
 * GitHub Actions workflow annotations, one `::error` per change. `locate` may pin a change
 * to a file and line (schema.sql's CREATE TABLE); otherwise the annotation has no file.
 *
 * @example
 * stdout.write(renderGithubAnnotations(report, (c) => ({ file: 'schema.sql', line: 12 })));
 */
export function renderGithubAnnotations(report: CheckReport, locate: (change: SchemaChange) => GithubLocation | undefined = () => undefined): string {
  const lines: string[] = [];
  const pinned = (change: CheckedChange): GithubLocation | undefined =>
    change.location ? { file: change.location.file, ...(change.location.line === null ? {} : { line: change.location.line }) } : locate(change);
  for (const issue of report.modelIssues ?? []) {
    const props = [`file=${githubEscape(issue.location.file, true)}`, issue.location.line === null ? '' : `line=${issue.location.line}`, `title=${githubEscape(`lockstep: ${issue.kind}`, true)}`].filter(Boolean).join(',');
    lines.push(`::error ${props}::${githubEscape(issue.hint ? `${issue.message}\n${issue.hint}` : issue.message)}`);
  }
  const annotate = (change: CheckedChange, title: string) => {
    const at = pinned(change);
    const props = [at ? `file=${githubEscape(at.file, true)}` : '', at?.line ? `line=${at.line}` : '', `title=${githubEscape(title, true)}`].filter(Boolean).join(',');
    const body = change.fix ? `${change.message}\nfix: ${change.fix}` : change.message;
    lines.push(`::error ${props}::${githubEscape(body)}`);
  };
  for (const change of report.changes) annotate(change, `lockstep: ${change.kind}`);
  for (const change of report.unmigrated ?? []) annotate(change, `lockstep: no migration for ${change.kind}`);
  const live = report.liveVsMigrations;
  if (live) {
    if (live.pending.length > 0) lines.push(`::error title=${githubEscape('lockstep: database behind migrations', true)}::${githubEscape(`${report.actual.source} has not applied ${live.pending.join(', ')}\nfix: lockstep migrate up`)}`);
    if (live.unknown.length > 0) lines.push(`::error title=${githubEscape('lockstep: database ahead of migrations', true)}::${githubEscape(`${report.actual.source} applied ${live.unknown.join(', ')}, which the migrations folder does not have`)}`);
    for (const change of live.changes) annotate(change, `lockstep: database vs migrations ${change.kind}`);
  }
  if (report.modelIssues?.length) lines.push(`::notice title=lockstep::${githubEscape(`${report.modelIssues.length} problem(s) in the models ${report.expected.source}; nothing was compared`)}`);
  else if (report.ok) lines.push(`::notice title=lockstep::${githubEscape(`in sync: ${report.actual.source} matches ${report.expected.source}`)}`);
  else lines.push(`::notice title=lockstep::${githubEscape(`${report.changes.length} change(s) between ${report.actual.source} and ${report.expected.source}${report.unmigrated?.length ? `; ${report.unmigrated.length} not covered by a migration` : ''}`)}`);
  return `${lines.join('\n')}\n`;
}
