import { relative } from 'node:path';
import type { Dialect, ScratchDatabase } from '../dialects/dialect.js';
import { errorMessage, LockstepError } from '../core/errors.js';
import type { Migration } from '../migrations/migration-folder.js';
import { findTransactionControl } from '../migrations/transaction-control.js';
import { diffSchemas } from '../core/diff-schemas.js';
import type { Schema } from '../core/model.js';
import type { ModelKind } from '../sources/models/model-source.js';
import { describeScriptError } from '../dialects/run-script.js';
import { CodeIndex, type CodeReference, loadCodeTools, type ReferenceTarget } from './code-references.js';
import { type FindingReference, type LintContext, type LintFinding, ruleApplies, type StatementFailure } from './lint-rule.js';
import { readGitSnapshot } from './git-snapshot.js';
import { loadModelReaders, type ModelReaders } from './model-readers.js';
import { withColumnRenames } from './renamed-columns.js';
import { INVALID_IGNORE, RULES } from './rules/index.js';
import { extractStatementFacts, type MigrationFacts, statementAt } from './statement-facts.js';

export interface LintOptions {
  dialect: Dialect;
  /** Every migration of the folder, in version order (earlier ones are replayed first). */
  migrations: Migration[];
  /** Versions to lint; every migration when absent. */
  only?: ReadonlySet<string>;
  /** PostgreSQL server for the scratch database. */
  devUrl?: string;
  /** Application source folder scanned for code references; none when absent. */
  srcDir?: string;
  /**
   * The git ref of the release running in production (`lint --deployed`): its code in
   * `srcDir` is read from git and checked against what each migration drops, renames or
   * makes stricter.
   */
  deployedRef?: string;
  /** The project's tsconfig.json: the code scan uses its compiler options (path aliases). */
  tsconfig?: string;
  /**
   * The ORM models (`schema` when it is a Prisma schema, a Drizzle schema module or a
   * TypeORM DataSource): a model that still declares a column reads it (the ORM selects
   * every declared column), in the working tree and at `deployedRef`.
   */
  models?: { path: string; kind?: ModelKind; /** The project root, where the ORM package resolves from. Default: cwd. */ root?: string };
  /** Reuse a scanner across runs (benchmarks, watch mode). */
  codeIndex?: CodeIndex;
  /** Paths in findings are relative to this folder. Default: process.cwd(). */
  cwd?: string;
}

/** A finding silenced by `-- lockstep:ignore <rule> <reason>`. */
export interface IgnoredFinding extends LintFinding {
  reason: string;
}

export interface LintReport {
  /** false when any error-severity finding remains. */
  ok: boolean;
  findings: LintFinding[];
  ignored: IgnoredFinding[];
  /** `<version>_<name>` of every migration linted. */
  linted: string[];
}

/**
 * Lints migrations: each one is run on a scratch database holding the schema the earlier
 * migrations build, the schemas before and after are diffed, and every rule reads that
 * change set together with the parser's facts about the statements (and, for drops and
 * renames, the code in `srcDir`).
 *
 * @example
 * const report = await lintMigrations({ dialect: getDialect('sqlite'), migrations: readMigrationsFolder('migrations'), srcDir: 'src' });
 * for (const f of report.findings) console.log(`${f.file}:${f.line} ${f.rule}: ${f.message}`);
 */
export async function lintMigrations(options: LintOptions): Promise<LintReport> {
  const { dialect } = options;
  await Promise.all([dialect.loadParser(), loadCodeTools()]);
  const cwd = options.cwd ?? process.cwd();
  const selected = options.migrations.filter((m) => !options.only || options.only.has(m.version));
  const report: LintReport = { ok: true, findings: [], ignored: [], linted: selected.map(migrationId) };
  if (selected.length === 0) return report;
  const lastIndex = options.migrations.indexOf(selected[selected.length - 1]);
  const codeIndex = options.codeIndex ?? (options.srcDir ? new CodeIndex(options.srcDir, { dialect: dialect.name, tsconfig: options.tsconfig }) : undefined);
  await codeIndex?.load();
  const deployed = options.deployedRef === undefined ? undefined : await deployedCode(options, cwd);
  const models = options.models && { path: options.models.path, ...(options.models.kind ? { kind: options.models.kind } : {}), cwd: options.models.root ?? cwd, dialect: dialect.name, srcDir: options.srcDir };
  const modelReaders = models && (await loadModelReaders(models));
  const deployedModelReaders = models && deployed && (await loadModelReaders({ ...models, ref: deployed.ref }));

  let scratch: ScratchDatabase;
  try {
    scratch = await dialect.createScratch({ devUrl: options.devUrl });
  } catch (error) {
    throw new LockstepError(`cannot create a scratch database to lint on: ${errorMessage(error)}`, {
      cause: error,
      hint: dialect.scratchHint,
    });
  }
  try {
    let before: Schema | undefined;
    for (const migration of options.migrations.slice(0, lastIndex + 1)) {
      const file = displayPath(migration.upPath, cwd);
      if (options.only && !options.only.has(migration.version)) {
        const failures = await applyStatements(scratch, dialect, migration, file, undefined);
        if (failures.length > 0) {
          throw new LockstepError(`cannot replay ${file}:${failures[0].line} on a scratch database: ${failures[0].message}`, {
            hint: 'lint replays the migrations before the ones it checks; fix this one (or lint it too with --all).',
          });
        }
        before = undefined;
        continue;
      }
      before ??= await dialect.introspect(scratch.db);
      const facts = extractStatementFacts(dialect, migration.up);
      const failures = await applyStatements(scratch, dialect, migration, file, facts);
      const after = await dialect.introspect(scratch.db);
      const references = memoReferences(codeIndex, modelReaders, before, cwd);
      const ctx: LintContext = {
        dialect,
        migration,
        before,
        after,
        changes: diffSchemas(after, withColumnRenames(before, facts)).changes,
        facts,
        failures,
        references,
        ...(deployed ? { deployed: { ref: deployed.ref, references: memoReferences(deployed.index, deployedModelReaders, before, cwd) } } : {}),
      };
      const { findings, ignored } = runRules(ctx, file);
      report.findings.push(...findings);
      report.ignored.push(...ignored);
      before = after;
    }
  } finally {
    await scratch.dispose();
  }
  report.ok = !report.findings.some((f) => f.severity === 'error');
  return report;
}

async function deployedCode(options: LintOptions, cwd: string): Promise<{ ref: string; index: CodeIndex }> {
  const ref = options.deployedRef!;
  if (!options.srcDir) {
    throw new LockstepError(`lint --deployed ${ref} needs the application's source folder`, { hint: 'Pass --src DIR (or set "src" in lockstep.config.json).' });
  }
  const snapshot = readGitSnapshot(options.srcDir, ref);
  if (snapshot.files.size === 0) {
    throw new LockstepError(`the deployed code at ${ref} (${snapshot.commit}) has no files under ${displayPath(options.srcDir, cwd)}`, {
      hint: 'Check the ref (it must be the release running in production) and --src: the folder must exist at that ref.',
    });
  }
  const index = new CodeIndex(options.srcDir, { dialect: options.dialect.name, tsconfig: options.tsconfig, files: snapshot.files });
  return { ref, index: await index.load() };
}

export function migrationId(m: Pick<Migration, 'version' | 'name'>): string {
  return `${m.version}_${m.name}`;
}

function displayPath(path: string, cwd: string): string {
  const rel = relative(cwd, path);
  return rel.startsWith('..') ? path : rel;
}

/**
 * Runs the migration statement by statement on the scratch database, autocommitting
 * each, so that one failing statement does not hide what the rest of the migration does.
 */
async function applyStatements(scratch: ScratchDatabase, dialect: Dialect, migration: Migration, file: string, facts: MigrationFacts | undefined): Promise<StatementFailure[]> {
  const failures: StatementFailure[] = [];
  const ownTransaction = new Set(findTransactionControl(dialect, migration.up).map((c) => c.line));
  for (const statement of dialect.splitStatements(migration.up)) {
    // Each statement autocommits here; a BEGIN would leave the scratch connection in a transaction (transaction-control reports it).
    if (ownTransaction.has(statement.line)) continue;
    try {
      await scratch.db.exec(statement.sql);
    } catch (error) {
      const described = describeScriptError(error, statement, migration.up, file);
      const line = Number(described.location.slice(described.location.lastIndexOf(':') + 1)) || statement.line;
      const info = facts && (statementAt(facts, line) ?? statementAt(facts, statement.line));
      const e = error as { code?: unknown; detail?: unknown };
      failures.push({
        line,
        statement: info,
        message: described.message,
        code: typeof e.code === 'string' ? e.code : undefined,
        detail: typeof e.detail === 'string' ? e.detail : undefined,
      });
    }
  }
  return failures;
}

function memoReferences(index: CodeIndex | undefined, models: ModelReaders | undefined, before: Schema, cwd: string): (target: ReferenceTarget) => CodeReference[] {
  const cache = new Map<string, CodeReference[]>();
  const columnsOf = (table: string) => before.tables.find((t) => t.name === table)?.columns.map((c) => c.name);
  return (target) => {
    if (!index && !models) return [];
    const key = `${target.table}.${target.column ?? ''}`;
    let refs = cache.get(key);
    if (!refs) {
      const declared = models?.(target) ?? [];
      const used = (index?.find(target, columnsOf) ?? []).filter((r) => !declared.some((d) => d.file === r.file && d.line === r.line));
      refs = [...declared, ...used].map((r) => ({ ...r, file: displayPath(r.file, cwd) }));
      cache.set(key, refs);
    }
    return refs;
  };
}

const KNOWN_RULES = new Set(RULES.map((r) => r.id));

function runRules(ctx: LintContext, file: string): { findings: LintFinding[]; ignored: IgnoredFinding[] } {
  const migration = migrationId(ctx.migration);
  const raw: LintFinding[] = [];
  for (const rule of RULES) {
    if (!ruleApplies(rule, ctx.dialect)) continue;
    for (const f of rule.check(ctx)) {
      raw.push({
        rule: rule.id,
        severity: f.severity ?? rule.severity,
        migration,
        file,
        line: f.line,
        ...(f.table !== undefined ? { table: f.table } : {}),
        ...(f.column !== undefined ? { column: f.column } : {}),
        message: f.message,
        ...(f.references && f.references.length > 0 ? { references: f.references.map((r) => toFindingReference(r, f.referencesRef)) } : {}),
      });
    }
  }
  // A failure another rule explains (fk-missing-table, narrowing-type, …) is not repeated.
  const explained = new Set(raw.filter((f) => f.rule !== 'migration-fails').map((f) => f.line));
  const findings = raw.filter((f) => f.rule !== 'migration-fails' || !explained.has(f.line));

  const silencing = new Map<string, string>();
  for (const directive of ctx.facts.ignores) {
    if (!KNOWN_RULES.has(directive.rule)) {
      findings.push({ rule: INVALID_IGNORE.id, severity: INVALID_IGNORE.severity, migration, file, line: directive.line, message: `-- lockstep:ignore names ${directive.rule ? `unknown rule "${directive.rule}"` : 'no rule'}. Write -- lockstep:ignore <rule> <reason>, with one of: ${[...KNOWN_RULES].join(', ')}.` });
    } else if (!directive.reason) {
      findings.push({ rule: INVALID_IGNORE.id, severity: INVALID_IGNORE.severity, migration, file, line: directive.line, message: `-- lockstep:ignore ${directive.rule} needs a reason, so reviewers know why it is safe: -- lockstep:ignore ${directive.rule} <why this is fine>. Without one it silences nothing.` });
    } else {
      silencing.set(directive.rule, directive.reason);
    }
  }
  const kept: LintFinding[] = [];
  const ignored: IgnoredFinding[] = [];
  for (const f of findings) {
    const reason = silencing.get(f.rule);
    if (reason !== undefined) ignored.push({ ...f, reason });
    else kept.push(f);
  }
  const order = (a: LintFinding, b: LintFinding) => a.line - b.line || a.rule.localeCompare(b.rule) || (a.table ?? '').localeCompare(b.table ?? '') || (a.column ?? '').localeCompare(b.column ?? '');
  return { findings: kept.sort(order), ignored: ignored.sort(order) };
}

function toFindingReference(r: CodeReference, ref: string | undefined): FindingReference {
  return { file: r.file, line: r.line, column: r.column, text: r.text, ...(ref !== undefined ? { ref } : {}) };
}
