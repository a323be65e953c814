import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, extname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { errorMessage, LockstepError } from '../../core/errors.js';
import { addDecoratorMetadata } from './decorator-metadata.js';
import { projectPath } from './model-locations.js';
import { packageName } from './project-package.js';

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
  transformSync(
    source: string,
    options: { loader: 'ts' | 'tsx'; format: 'cjs'; target: string; sourcefile: string; tsconfigRaw?: { compilerOptions: { experimentalDecorators?: boolean; useDefineForClassFields?: boolean } } },
  ): { code: string };
}

/**
 * Compiled output by file, reused while the file's text is the same (a watch loop, a
 * benchmark, `check` then `lint` in one process): an edited model is compiled again.
 */
const compiled = new Map<string, { source: string; code: string }>();
const MAX_COMPILED = 5000;

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
 * JavaScript is imported as it is. TypeScript is compiled file by file to CommonJS (no
 * type check) and required, by esbuild when the project has it (tsx brings it): esbuild
 * cannot emit the `design:type` metadata TypeORM needs for every `@Column()` without an
 * explicit type, so for files with decorators the metadata is first written into the
 * source from TypeScript's parse (`addDecoratorMetadata`, TypeScript's own serialization
 * rules). Without esbuild, TypeScript's `transpileModule` compiles (several times slower).
 * Relative imports written as `./user.js` or `./user` find `./user.ts`; a file is compiled
 * again whenever its text changed, so an edited model is read again.
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
    const cached = compiled.get(filename);
    if (cached?.source === source) return module._compile(cached.code, filename);
    const code = compileTypeScript(source, filename);
    if (compiled.size >= MAX_COMPILED) compiled.clear();
    compiled.set(filename, { source, code });
    module._compile(code, filename);
  };
  const compileTypeScript = (source: string, filename: string): string => {
    const decorated = DECORATOR.test(source);
    // esbuild is ~20x faster than TypeScript's emitter; decorator metadata comes from TypeScript's parser.
    if (decorated) ts ??= createRequire(import.meta.url)('typescript') as typeof import('typescript');
    if (esbuild) {
      const input = decorated ? addDecoratorMetadata(ts!, source, filename) : source;
      const tsconfigRaw = decorated ? { compilerOptions: { experimentalDecorators: true, useDefineForClassFields: false } } : undefined;
      return esbuild.transformSync(input, { loader: extname(filename) === '.tsx' ? 'tsx' : 'ts', format: 'cjs', target: 'es2022', sourcefile: filename, ...(tsconfigRaw ? { tsconfigRaw } : {}) }).code;
    }
    ts ??= createRequire(import.meta.url)('typescript') as typeof import('typescript');
    return ts.transpileModule(source, {
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
    }).outputText;
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
