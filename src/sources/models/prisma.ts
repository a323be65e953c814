/**
 * Reads a Prisma schema (`schema.prisma`, or a folder of `.prisma` files) with Prisma's own
 * WebAssembly build from the user's project (`@prisma/prisma-schema-wasm`): `validate`
 * reports every error Prisma itself would, with file:line, and `get_datamodel` (the DMMF datamodel) gives the
 * models, which `prisma-mapping.ts` turns into the neutral schema. No engine binary, no
 * database.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { LockstepError } from '../../core/errors.js';
import { emptySchema, type DialectName } from '../../core/model.js';
import { getDialect } from '../../dialects/index.js';
import type { LoadedModels, LoadModelsOptions, ModelIssue, ModelIssueKind, ModelLocation } from './model-source.js';
import { checkModelIntegrity } from './model-integrity.js';
import { loadProjectPackage } from './project-package.js';
import type { DmmfDatamodel, PrismaSchemaWasm } from './prisma-dmmf.js';
import { mapPrismaDatamodel } from './prisma-mapping.js';
import { type PrismaFile, type PrismaTextFacts, scanPrismaText } from './prisma-text.js';

export const PRISMA_WASM_PACKAGE = '@prisma/prisma-schema-wasm';

/**
 * @example
 * const models = await readPrismaModels('/app/prisma/schema.prisma', { cwd: '/app' });
 * models.schema.tables.map((t) => t.name); // → ['Post', 'User']
 */
export async function readPrismaModels(path: string, options: LoadModelsOptions): Promise<LoadedModels> {
  const paths = prismaFiles(path);
  const shown = (p: string) => {
    const rel = relative(options.cwd, p);
    return rel && !rel.startsWith('..') ? rel : p;
  };
  const facts = scanPrismaText(paths.map((p) => ({ file: shown(p), text: readFileSync(p, 'utf8') })));
  const wasm = loadProjectPackage<PrismaSchemaWasm>(PRISMA_WASM_PACKAGE, options.cwd, `reading ${shown(path)}`);
  const base = { kind: 'prisma' as const, files: paths.map(shown), notes: [] as string[] };

  // get_datamodel validates and returns only the models (get_dmmf adds Prisma Client's
  // whole query schema: 40 times the JSON on 300 models). Only a schema with errors pays
  // for validateAll's rounds.
  const dialect = providerDialect(wasm, facts, options.dialect, shown(path));
  let datamodel: DmmfDatamodel | undefined;
  const read = (files: PrismaFile[]) =>
    prismaErrors(() => {
      datamodel = JSON.parse(wasm.get_datamodel(JSON.stringify({ prismaSchema: files.map((f) => [f.file, f.text]), noColor: true }))) as DmmfDatamodel;
    }, files);
  let invalid: ModelIssue[] = [];
  const firstErrors = read(facts.files);
  if (firstErrors.length > 0) {
    const validated = validateAll(wasm, facts.files);
    invalid = validated.issues.length > 0 ? validated.issues : firstErrors;
    datamodel = undefined;
    if (validated.issues.length > 0) read(validated.files);
  }
  if (!datamodel) return { ...base, dialect, schema: emptySchema(dialect), issues: invalid, locations: new Map() };

  const fallback: ModelLocation = { file: facts.files[0]?.file ?? shown(path), line: null };
  const locate = (key: string) => facts.locations.get(key) ?? fallback;
  const mapped = mapPrismaDatamodel({ datamodel, dialect, foreignKeyNames: facts.foreignKeyNames, relationMode: facts.relationMode, locate });
  const models = datamodel.models.map((m) => ({
    model: m.name,
    schema: dialect === 'postgres' && m.schema ? m.schema : dialect === 'postgres' ? 'public' : 'main',
    table: m.dbName ?? m.name,
    location: locate(`model:${m.name}`),
  }));
  const integrity = checkModelIntegrity({ schema: mapped.schema, locations: mapped.locations, typesCompatible: getDialect(dialect).typesCompatible, models });
  return { ...base, dialect, schema: mapped.schema, issues: [...invalid, ...mapped.issues, ...integrity], locations: mapped.locations, notes: mapped.notes };
}

/** Validation rounds before giving up on finding more errors. */
const MAX_ROUNDS = 8;

/**
 * Every error in the schema, not only the first phase's: Prisma's validator stops at a
 * phase with errors (an unknown model hides a duplicate table), so the lines of errors
 * that end a phase (a field of an unknown type, a relation without its opposite field, a
 * second `@@map` to a table) are blanked, line numbers kept, and the schema validated
 * again, until no such error is left. Other errors are reported as they are.
 */
function validateAll(wasm: { validate(params: string): void }, start: PrismaFile[]): { issues: ModelIssue[]; files: PrismaFile[] } {
  const issues: ModelIssue[] = [];
  const seen = new Set<string>();
  let files = start;
  for (let round = 0; round < MAX_ROUNDS; round++) {
    let found = prismaErrors(() => wasm.validate(JSON.stringify({ prismaSchema: files.map((f) => [f.file, f.text]), noColor: true })), files);
    // Two models on one table also clash on its constraint names: one problem, reported once.
    if (found.some((i) => i.kind === 'table.mapped-twice')) found = found.filter((i) => !/The given constraint name .* has to be unique/.test(i.message));
    const blank = new Map<string, Set<number>>();
    for (const issue of found) {
      const key = `${issue.location.file}:${issue.location.line}:${issue.message}`;
      if (!seen.has(key)) {
        seen.add(key);
        issues.push(issue);
      }
      if (issue.location.line !== null && BLANKABLE.some((pattern) => pattern.test(issue.message))) {
        blank.set(issue.location.file, (blank.get(issue.location.file) ?? new Set()).add(issue.location.line - 1));
      }
    }
    if (blank.size === 0) break;
    files = files.map((f) => {
      const lines = blank.get(f.file);
      return lines ? { file: f.file, text: f.text.split('\n').map((l, i) => (lines.has(i) && !/^\s*(model|enum|view|type|datasource|generator)\s/.test(l) ? '' : l)).join('\n') } : f;
    });
  }
  return { issues, files };
}

/** Errors whose line can be left out to let the validator reach its next phase. */
const BLANKABLE = [/is neither a built-in type, nor refers to another model/, /could not be defined because another model or view with this name exists/, /is missing an opposite relation field/];

/** `schema.prisma`, or every `.prisma` file under a folder (Prisma's multi-file schemas). */
function prismaFiles(path: string): string[] {
  let stat;
  try {
    stat = statSync(path);
  } catch {
    throw new LockstepError(`Prisma schema not found: ${path}`, { hint: 'Point --schema (or "schema" in lockstep.config.json) at schema.prisma or the folder of .prisma files.' });
  }
  if (!stat.isDirectory()) return [path];
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      if (entry.name === 'node_modules' || entry.name === 'migrations' || entry.name.startsWith('.')) continue;
      const full = join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.name.endsWith('.prisma')) out.push(full);
    }
  };
  walk(path);
  if (out.length === 0) throw new LockstepError(`no .prisma files in ${path}`, { hint: 'Point --schema at schema.prisma or the folder that holds your .prisma files.' });
  return out;
}

/** The datasource's provider, from the text (the datasource block), else Prisma's get_config. */
function providerDialect(wasm: PrismaSchemaWasm, facts: PrismaTextFacts, wanted: DialectName | undefined, shown: string): DialectName {
  let provider = facts.provider;
  if (provider === undefined) {
    try {
      const prismaSchema = facts.files.map((f) => [f.file, f.text]);
      const config = JSON.parse(wasm.get_config(JSON.stringify({ prismaSchema, datasourceOverrides: {}, ignoreEnvVarErrors: true, env: {} }))) as {
        config?: { datasources?: Array<{ activeProvider?: string; provider?: string }> };
      };
      const ds = config.config?.datasources?.[0];
      provider = ds?.activeProvider ?? ds?.provider;
    } catch {
      // An invalid schema: its errors say why; fall back to the database being checked.
    }
  }
  if (provider === undefined) return wanted ?? 'postgres';
  if (provider === 'postgresql' || provider === 'postgres') return 'postgres';
  if (provider === 'sqlite') return 'sqlite';
  throw new LockstepError(`${shown}: the datasource provider is "${provider}", and lockstep supports PostgreSQL and SQLite`, {
    hint: 'Use provider = "postgresql" or "sqlite", or check this database with its own tools.',
  });
}

const KIND_PATTERNS: Array<[RegExp, ModelIssueKind]> = [
  [/is neither a built-in type, nor refers to another model/, 'relation.unknown-model'],
  [/could not be defined because another model or view with this name exists/, 'table.mapped-twice'],
  [/must refer to a unique criterion/, 'foreign-key.not-unique'],
  [/argument `references` must refer only to existing fields|argument `fields` must refer only to existing fields/, 'foreign-key.missing-columns'],
  [/type of the field .* does not match|are not matching the types of the referenced/i, 'foreign-key.type-mismatch'],
];

/** Runs a wasm call and turns Prisma's error text into one issue per `error:` block. */
function prismaErrors(call: () => void, files: PrismaFile[]): ModelIssue[] {
  try {
    call();
    return [];
  } catch (error) {
    const raw = error instanceof Error ? error.message : String(error);
    let text = raw;
    try {
      text = (JSON.parse(raw) as { message?: string }).message ?? raw;
    } catch {
      // not JSON: the message itself
    }
    // eslint-disable-next-line no-control-regex
    text = text.replace(/\u001b\[[0-9;]*m/g, '');
    const blocks = text.split(/^error: /m).slice(1);
    if (blocks.length === 0) return [{ kind: 'model.invalid', message: text.trim(), location: { file: files[0]?.file ?? 'schema.prisma', line: null } }];
    return blocks.map((block) => {
      const message = block.split('\n')[0]!.replace(/^Error validating( model "\w+")?: /, '').trim();
      const at = /-->\s+(.+?):(\d+)/.exec(block);
      const kind = KIND_PATTERNS.find(([pattern]) => pattern.test(message))?.[1] ?? 'model.invalid';
      return { kind, message, location: at ? { file: at[1]!, line: Number(at[2]) } : { file: files[0]?.file ?? 'schema.prisma', line: null } };
    });
  }
}
