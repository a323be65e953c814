import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import type { DialectName } from '../core/model.js';
import { errorMessage, LockstepError } from '../core/errors.js';
import { loadModels } from '../sources/models/index.js';
import type { LoadedModels, ModelKind, ModelLocation } from '../sources/models/model-source.js';
import type { CodeReference, ReferenceTarget } from './code-references.js';
import { readGitSnapshot } from './git-snapshot.js';

/** The ORM models as readers: where each table and column a migration removes is still declared. */
export type ModelReaders = (target: ReferenceTarget) => CodeReference[];

export interface ModelReadersOptions {
  /** The models (`schema` in lockstep.config.json): schema.prisma, a Drizzle schema module, a TypeORM DataSource. */
  path: string;
  kind?: ModelKind;
  /** The project root: the ORM packages resolve from here, and paths are relative to it. */
  cwd: string;
  dialect: DialectName;
  /** Read the models as they are at this git ref (`lint --deployed`) instead of the working tree. */
  ref?: string;
  /** Also taken from the ref: the application's source folder, which model modules may import from. */
  srcDir?: string;
}

/**
 * A model that declares a column reads it: Prisma, Drizzle and TypeORM select every declared
 * column of a model, so a release whose models still declare `tenants.config` fails on every
 * query of `tenants` once the column is dropped. Returns, for a table or column, the place
 * its model declares it (file:line, `via: 'model'`).
 *
 * With `ref`, the models are read as that git ref has them: its model files (and `srcDir`)
 * are written to a scratch folder inside the project (so the project's own ORM packages
 * resolve) and loaded from there with the ORM, naming strategies and all; the locations
 * name the files as the working tree does.
 *
 * @example
 * const readers = await loadModelReaders({ path: '/app/prisma/schema.prisma', cwd: '/app', dialect: 'postgres', ref: 'HEAD~1' });
 * readers({ table: 'tenants', column: 'config' }); // [{ file: '/app/prisma/schema.prisma', line: 14, via: 'model', … }]
 */
export async function loadModelReaders(options: ModelReadersOptions): Promise<ModelReaders> {
  if (options.ref === undefined) {
    const models = await readModels(options.path, options, options.cwd, undefined);
    return readersOf(models, options.cwd, (file) => readFileSync(file, 'utf8'));
  }
  const ref = options.ref;
  const folders = [existsSync(options.path) && statSync(options.path).isDirectory() ? options.path : dirname(options.path), ...(options.srcDir ? [options.srcDir] : [])];
  const files = new Map<string, string>();
  let commit = '';
  for (const folder of folders) {
    const snapshot = readGitSnapshot(folder, ref);
    commit = snapshot.commit;
    for (const [file, text] of snapshot.files) files.set(file, text);
  }
  const inProject = (file: string) => {
    const rel = relative(options.cwd, file);
    return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel);
  };
  // The models did not exist at that ref: nothing there declares anything.
  const modelsAtRef = [...files.keys()].some((file) => file === resolve(options.path) || file.startsWith(resolve(options.path) + '/'));
  if (!modelsAtRef || !inProject(resolve(options.path))) return () => [];
  // Inside the project, so that `import … from 'typeorm'` resolves to the project's copy.
  const scratchRoot = join(options.cwd, '.lockstep');
  const created = !existsSync(scratchRoot);
  mkdirSync(scratchRoot, { recursive: true });
  const mirror = mkdtempSync(join(scratchRoot, `deployed-${commit}-`));
  try {
    for (const [file, text] of files) {
      if (!inProject(file)) continue;
      const target = join(mirror, relative(options.cwd, file));
      mkdirSync(dirname(target), { recursive: true });
      writeFileSync(target, text);
    }
    const models = await readModels(join(mirror, relative(options.cwd, options.path)), options, mirror, ref);
    // Locations are relative to the mirror, which is laid out like the project.
    return readersOf(models, options.cwd, (file) => files.get(file) ?? '');
  } finally {
    rmSync(mirror, { recursive: true, force: true });
    // Only the folder made for this copy, and only when empty (something else may have written there meanwhile).
    if (created && readdirSync(scratchRoot).length === 0) rmdirSync(scratchRoot);
  }
}

async function readModels(path: string, options: ModelReadersOptions, cwd: string, ref: string | undefined): Promise<LoadedModels> {
  try {
    return await loadModels(path, { cwd, dialect: options.dialect, ...(options.kind ? { kind: options.kind } : {}) });
  } catch (error) {
    if (ref === undefined) throw error;
    throw new LockstepError(`cannot read the models as they are at ${ref}: ${errorMessage(error).split('\n')[0]}`, {
      hint: 'lint --deployed reads the deployed release\'s models to see which columns it still selects; the model files at that ref must load with the packages installed now.',
      cause: error,
    });
  }
}

function readersOf(models: LoadedModels, cwd: string, textOf: (absolute: string) => string): ModelReaders {
  const tables = new Map<string, ModelLocation>();
  const columns = new Map<string, ModelLocation>();
  for (const [key, location] of models.locations) {
    const parts = key.split('.');
    if (parts.length === 2) tables.set(parts[1]!, location);
    else if (parts.length === 3) columns.set(`${parts[1]}.${parts[2]}`, location);
  }
  const lines = new Map<string, string[]>();
  const reference = (location: ModelLocation): CodeReference[] => {
    if (!location.file) return [];
    const file = resolve(cwd, location.file);
    let text = lines.get(file);
    if (!text) lines.set(file, (text = textOf(file).split('\n')));
    const line = location.line ?? 1;
    const source = text[line - 1] ?? '';
    return [{ file, line, column: source.length - source.trimStart().length + 1, text: source.trim(), via: 'model', access: 'read' }];
  };
  return (target) => {
    const table = target.table.toLowerCase();
    const key = target.column === undefined ? undefined : `${table}.${target.column.toLowerCase()}`;
    for (const [name, location] of key === undefined ? tables : columns) {
      if (name.toLowerCase() === (key ?? table)) return reference(location);
    }
    return [];
  };
}
