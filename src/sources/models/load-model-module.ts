import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, extname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { errorMessage, LockstepError } from '../../core/errors.js';
import { projectPath } from './model-locations.js';

/** A model module as loaded: its exports and every project file it pulled in. */
export interface LoadedModule {
  exports: Record<string, unknown>;
  /** Absolute paths of the user's own files that were loaded (not node_modules). */
  files: string[];
}

type CompileHook = (module: NodeModuleLike, filename: string) => void;
interface NodeModuleLike {
  _compile(source: string, filename: string): void;
}
interface ModuleInternals {
  _extensions: Record<string, CompileHook>;
  _resolveFilename: (request: string, parent: { filename?: string } | undefined, ...rest: unknown[]) => string;
  _cache: Record<string, unknown>;
}

const TS_EXTENSIONS = ['.ts', '.cts', '.mts', '.tsx'];
/** A decorator at the start of a line (`@Entity()`, `@Column(…)`): the file needs decorator metadata. */
const DECORATOR = /^\s*@[A-Za-z_$]/m;

interface Esbuild {
  transformSync(source: string, options: { loader: 'ts' | 'tsx'; format: 'cjs'; target: string; sourcefile: string }): { code: string };
}

/** The project's esbuild, else one lockstep can resolve (tsx brings it), else none. */
async function loadEsbuild(cwd: string): Promise<Esbuild | undefined> {
  try {
    return createRequire(join(cwd, 'package.json'))('esbuild') as Esbuild;
  } catch {
    try {
      return (await import('esbuild' as string)) as Esbuild;
    } catch {
      return undefined;
    }
  }
}

/**
 * Loads a user's model module (Drizzle schema, TypeORM DataSource) from its own project.
 * JavaScript is imported as it is. TypeScript is compiled file by file to CommonJS and
 * required: files with decorators by the TypeScript compiler (loaded lazily), because
 * esbuild-based loaders (tsx) cannot emit the `design:type` metadata TypeORM needs for
 * every `@Column()` without an explicit type; other files by esbuild when it is there.
 * Relative imports written as `./user.js` or `./user` find `./user.ts`; files are compiled
 * fresh on every call, so a changed model is read again.
 *
 * @example
 * const { exports, files } = await loadModelModule('/app/src/schema.ts', '/app');
 */
export async function loadModelModule(file: string, cwd: string): Promise<LoadedModule> {
  const { result, files } = await withModelModules(cwd, (load) => load(file));
  return { exports: result, files };
}

/**
 * Runs `body` with model loading switched on: `load(file)` loads a model module as
 * `loadModelModule` does, and every TypeScript file required meanwhile (also by the ORM
 * itself, e.g. TypeORM resolving entity globs) is compiled with decorator metadata.
 * Returns the body's result and every project file loaded.
 */
export async function withModelModules<T>(cwd: string, body: (load: (file: string) => Promise<Record<string, unknown>>) => Promise<T>): Promise<{ result: T; files: string[] }> {
  // The TypeScript compiler is loaded only when a file has decorators (synchronously: inside require).
  let ts: typeof import('typescript') | undefined;
  const require = createRequire(join(cwd, 'package.json'));
  const Module = require('node:module') as unknown as ModuleInternals;
  const loaded: string[] = [];
  const previous = new Map<string, CompileHook | undefined>(TS_EXTENSIONS.map((ext) => [ext, Module._extensions[ext]]));
  const previousResolve = Module._resolveFilename;
  const own = (path: string) => !path.includes(`${'/'}node_modules${'/'}`);
  const esbuild = await loadEsbuild(cwd);
  const compile: CompileHook = (module, filename) => {
    if (!own(filename)) return (previous.get(extname(filename)) ?? previous.get('.ts'))?.(module, filename);
    loaded.push(filename);
    const source = readFileSync(filename, 'utf8');
    // esbuild is ~20x faster but cannot emit decorator metadata: only files with decorators need TypeScript.
    if (esbuild && !DECORATOR.test(source)) {
      module._compile(esbuild.transformSync(source, { loader: extname(filename) === '.tsx' ? 'tsx' : 'ts', format: 'cjs', target: 'es2022', sourcefile: filename }).code, filename);
      return;
    }
    ts ??= createRequire(import.meta.url)('typescript') as typeof import('typescript');
    const output = ts.transpileModule(source, {
      fileName: filename,
      compilerOptions: {
        module: ts.ModuleKind.CommonJS,
        target: ts.ScriptTarget.ES2022,
        experimentalDecorators: true,
        emitDecoratorMetadata: true,
        esModuleInterop: true,
        useDefineForClassFields: false,
        jsx: ts.JsxEmit.React,
        sourceMap: false,
      },
    });
    module._compile(output.outputText, filename);
  };
  for (const ext of TS_EXTENSIONS) Module._extensions[ext] = compile;
  // `import { User } from './user.js'` in TypeScript means ./user.ts.
  Module._resolveFilename = function (request, parent, ...rest) {
    try {
      return previousResolve.call(this, request, parent, ...rest);
    } catch (error) {
      const from = parent?.filename;
      if (!from || !request.startsWith('.')) throw error;
      const base = join(dirname(from), request);
      const stem = base.replace(/\.(c|m)?js$/, '');
      for (const candidate of [...TS_EXTENSIONS.map((e) => stem + e), ...TS_EXTENSIONS.map((e) => join(base, `index${e}`))]) {
        if (existsSync(candidate)) return candidate;
      }
      throw error;
    }
  };
  const load = async (file: string): Promise<Record<string, unknown>> => {
    try {
      if (!TS_EXTENSIONS.includes(extname(file))) {
        loaded.push(file);
        return (await import(pathToFileURL(file).href)) as Record<string, unknown>;
      }
      return createRequire(file)(file) as Record<string, unknown>;
    } catch (error) {
      throw loadError(file, cwd, error);
    }
  };
  try {
    const result = await body(load);
    return { result, files: [...new Set(loaded)] };
  } finally {
    for (const [ext, hook] of previous) {
      if (hook) Module._extensions[ext] = hook;
      else delete Module._extensions[ext];
    }
    Module._resolveFilename = previousResolve;
    // Compiled fresh next time: a model file edited in watch mode or a test is read again.
    for (const path of loaded) delete Module._cache[path];
  }
}

function loadError(file: string, cwd: string, error: unknown): LockstepError {
  const missing = /Cannot find (?:module|package) '([^']+)'/.exec(errorMessage(error));
  if (missing && !missing[1]!.startsWith('.') && !missing[1]!.startsWith('/')) {
    return new LockstepError(`${projectPath(file, cwd)} imports ${missing[1]}, which is not installed in ${cwd}`, {
      hint: `Install it in the project (npm install ${packageName(missing[1]!)}) or run lockstep from the project's folder.`,
      cause: error,
    });
  }
  return new LockstepError(`${projectPath(file, cwd)} could not be loaded: ${errorMessage(error).split('\n')[0]}`, {
    hint: 'Fix the error in the model module (run it with node or tsx to see the full error), then run lockstep again.',
    cause: error,
  });
}

/** `drizzle-orm/pg-core` → `drizzle-orm`; `@scope/pkg/x` → `@scope/pkg`. */
export function packageName(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!;
}

/**
 * Imports a package the way the user's project resolves it (from `cwd`), so lockstep reads
 * models with the same ORM version that wrote them. A clear error names the package when
 * the project does not have it.
 *
 * @example
 * const pgCore = await importFromProject('drizzle-orm/pg-core', '/app');
 */
export async function importFromProject<T>(specifier: string, cwd: string): Promise<T> {
  let resolved: string;
  try {
    resolved = createRequire(join(cwd, 'package.json')).resolve(specifier);
  } catch (error) {
    throw new LockstepError(`${packageName(specifier)} is not installed in ${cwd}: lockstep reads the models with the project's own copy`, {
      hint: `Install it there (npm install ${packageName(specifier)}), or run lockstep from the folder whose node_modules has it.`,
      cause: error,
    });
  }
  return createRequire(join(cwd, 'package.json'))(resolved) as T;
}
