import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { LockstepError } from './errors.js';
import { EXPECTED_SCHEMA_FILE } from './expected-schema.js';

export const CONFIG_FILE = 'lockstep.config.json';
export const DEFAULT_URL = 'sqlite:.lockstep/dev.db';

/**
 * Resolved settings. Paths are absolute. Resolution order for every key:
 * command-line flag → environment (`DATABASE_URL` for `url`) → `lockstep.config.json`
 * → default.
 */
export interface LockstepConfig {
  /** Directory the project lives in (where the config file is, else cwd). */
  root: string;
  /** Config file that was read, if any. */
  configFile: string | undefined;
  url: string;
  /** Where `url` came from, for messages: 'flag' | 'env' | 'config' | 'default'. */
  urlSource: 'flag' | 'env' | 'config' | 'default';
  devUrl: string | undefined;
  /**
   * The expected schema, if configured or `schema.sql` exists in root: a `.sql` file, the
   * code's own ORM models (`schema.prisma`, a Drizzle schema module, a TypeORM DataSource),
   * a snapshot `.json`, a migrations folder, or a database URL (kept a URL).
   */
  schema: string | undefined;
  /** How to read `schema` (`--schema-kind`, `schemaKind`); undefined: detected from the file. */
  schemaKind: SchemaKindSetting | undefined;
  /** Migrations folder, if configured or `migrations/` exists in root. */
  migrations: string | undefined;
  /** Application source folder for lint (default `src/`). */
  src: string;
  /**
   * The build's expected-schema file (`lockstep build`; key `expected`, default
   * `lockstep.expected.json` in the project root, whether or not it exists yet).
   */
  expected: string;
  /** Differences the runtime guard accepts (`guard.allow`: `kind`, `kind:table`, `kind:table.column`). */
  guardAllow: string[];
  /** The opt-in comparisons of `check` and `diff` (`check.compare` in the config file; `--compare` wins). */
  compare: CompareSetting[];
  /** Every key of the config file, for sections owned by other commands (jobs, health, …). */
  raw: Record<string, unknown>;
}

/** Values of `--compare` / `check.compare`: the comparisons that are off unless asked for. */
export type CompareSetting = 'comments' | 'grants' | 'extension-versions';
export const COMPARE_VALUES: readonly CompareSetting[] = ['comments', 'grants', 'extension-versions'];

/** The `diffSchemas` options that `settings` turn on. */
export function compareOptions(settings: readonly CompareSetting[]): { comments?: boolean; grants?: boolean; extensionVersions?: boolean } {
  return {
    ...(settings.includes('comments') ? { comments: true } : {}),
    ...(settings.includes('grants') ? { grants: true } : {}),
    ...(settings.includes('extension-versions') ? { extensionVersions: true } : {}),
  };
}

/**
 * The opt-in comparisons: `--compare a,b` (`flag`) when given, else `check.compare` of the
 * config. An unknown value is an error naming the allowed ones.
 */
export function compareSetting(flag: string | undefined, config: Pick<LockstepConfig, 'compare'>): CompareSetting[] {
  if (flag === undefined) return config.compare;
  const values = flag.split(',').map((v) => v.trim()).filter((v) => v !== '');
  return values.map((value) => compareValue(value, '--compare'));
}

function compareValue(value: unknown, where: string): CompareSetting {
  if (typeof value === 'string' && (COMPARE_VALUES as readonly string[]).includes(value)) return value as CompareSetting;
  throw new LockstepError(`${where}: ${JSON.stringify(value)} is not a comparison lockstep can turn on; expected one of ${COMPARE_VALUES.join(', ')}`, {
    hint: 'Example: --compare comments,grants (or "check": { "compare": ["grants"] } in lockstep.config.json).',
  });
}

function readCompare(check: unknown, file: string | undefined): CompareSetting[] {
  if (check === undefined) return [];
  const compare = (check as { compare?: unknown } | null)?.compare;
  if (typeof check !== 'object' || check === null || Array.isArray(check) || (compare !== undefined && !Array.isArray(compare))) {
    throw new LockstepError(`${file}: check: expected { "compare": ["comments", "grants", "extension-versions"] }, found ${JSON.stringify(check)}`, {
      hint: `Each entry is one of ${COMPARE_VALUES.join(', ')}.`,
    });
  }
  return ((compare as unknown[] | undefined) ?? []).map((value) => compareValue(value, `${file}: check.compare`));
}

/** Values of `--schema-kind` / `schemaKind`. */
export type SchemaKindSetting = 'prisma' | 'drizzle' | 'typeorm' | 'sql';
const SCHEMA_KIND_VALUES: readonly SchemaKindSetting[] = ['prisma', 'drizzle', 'typeorm', 'sql'];

export interface ConfigOverrides {
  cwd?: string;
  config?: string;
  url?: string;
  devUrl?: string;
  schema?: string;
  schemaKind?: string;
  migrations?: string;
  src?: string;
  expected?: string;
  env?: NodeJS.ProcessEnv;
}

const KNOWN_KEYS = new Set(['url', 'devUrl', 'schema', 'schemaKind', 'migrations', 'src', 'expected', 'guard', 'jobs', 'health', 'dashboard', 'lint', 'rehearse', 'check']);

/**
 * Loads the project configuration.
 *
 * @example
 * const config = loadConfig({ cwd: 'examples/shop', url: 'sqlite::memory:' });
 */
export function loadConfig(overrides: ConfigOverrides = {}): LockstepConfig {
  const cwd = resolve(overrides.cwd ?? process.cwd());
  const env = overrides.env ?? process.env;
  const configFile = overrides.config ? resolve(cwd, overrides.config) : findConfigFile(cwd);
  if (overrides.config && !existsSync(configFile!)) {
    throw new LockstepError(`config file not found: ${overrides.config}`, {
      hint: `Create ${CONFIG_FILE} or drop --config.`,
    });
  }
  if (overrides.config && statSync(configFile!).isDirectory()) {
    const inside = resolve(configFile!, CONFIG_FILE);
    throw new LockstepError(`--config expects a JSON file, found a directory: ${overrides.config}`, {
      hint: existsSync(inside) ? `Pass --config ${join(overrides.config, CONFIG_FILE)}.` : `Pass the path of a ${CONFIG_FILE} file, or drop --config.`,
    });
  }
  const raw = configFile ? readConfigFile(configFile) : {};
  const root = configFile ? dirname(configFile) : cwd;

  let url: string;
  let urlSource: LockstepConfig['urlSource'];
  if (overrides.url) [url, urlSource] = [overrides.url, 'flag'];
  else if (env.DATABASE_URL) [url, urlSource] = [env.DATABASE_URL, 'env'];
  else if (typeof raw.url === 'string') [url, urlSource] = [raw.url, 'config'];
  else [url, urlSource] = [DEFAULT_URL, 'default'];
  url = resolveSqlitePath(url, urlSource === 'config' ? root : cwd);

  const pathSetting = (flag: string | undefined, key: string, fallback: string | undefined) => {
    if (flag) return resolve(cwd, flag);
    if (typeof raw[key] === 'string') return resolve(root, raw[key] as string);
    if (fallback && existsSync(resolve(root, fallback))) return resolve(root, fallback);
    return undefined;
  };

  return {
    root,
    configFile,
    url,
    urlSource,
    devUrl: overrides.devUrl ?? env.LOCKSTEP_DEV_URL ?? (typeof raw.devUrl === 'string' ? raw.devUrl : undefined),
    schema: schemaSetting(overrides.schema, raw.schema, cwd, root) ?? pathSetting(overrides.schema, 'schema', 'schema.sql'),
    schemaKind: schemaKindSetting(overrides.schemaKind, raw.schemaKind, configFile),
    migrations: pathSetting(overrides.migrations, 'migrations', 'migrations'),
    src: pathSetting(overrides.src, 'src', undefined) ?? resolve(root, 'src'),
    expected: pathSetting(overrides.expected, 'expected', undefined) ?? resolve(root, EXPECTED_SCHEMA_FILE),
    guardAllow: readGuardAllow(raw.guard, configFile),
    compare: readCompare(raw.check, configFile),
    raw,
  };
}

function schemaKindSetting(flag: string | undefined, configured: unknown, configFile: string | undefined): SchemaKindSetting | undefined {
  const value = flag ?? configured;
  if (value === undefined) return undefined;
  if (typeof value === 'string' && (SCHEMA_KIND_VALUES as readonly string[]).includes(value)) return value as SchemaKindSetting;
  const where = flag !== undefined ? '--schema-kind' : `"schemaKind" in ${configFile}`;
  throw new LockstepError(`${where} is ${JSON.stringify(value)}, expected one of ${SCHEMA_KIND_VALUES.join(', ')}`, {
    hint: 'prisma: schema.prisma or a folder of .prisma files; drizzle: a Drizzle schema module; typeorm: a DataSource module; sql: a declarative .sql file.',
  });
}

function findConfigFile(cwd: string): string | undefined {
  const candidate = resolve(cwd, CONFIG_FILE);
  return existsSync(candidate) ? candidate : undefined;
}

function readConfigFile(file: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new LockstepError(`cannot read the config file ${file}: ${(error as Error).message}`, {
      hint: 'Check that it is a readable file, or pass another one with --config FILE.',
      cause: error,
    });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new LockstepError(`${file}: not valid JSON (${(error as Error).message})`, {
      hint: 'Fix the syntax; the file is a JSON object with keys url, devUrl, schema, schemaKind, migrations, src.',
    });
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new LockstepError(`${file}: expected a JSON object, found ${Array.isArray(parsed) ? 'an array' : typeof parsed}`);
  }
  const unknown = Object.keys(parsed).filter((k) => !KNOWN_KEYS.has(k));
  if (unknown.length > 0) {
    throw new LockstepError(`${file}: unknown key${unknown.length > 1 ? 's' : ''} ${unknown.map((k) => `"${k}"`).join(', ')}`, {
      hint: `Known keys: ${[...KNOWN_KEYS].join(', ')}.`,
    });
  }
  return parsed as Record<string, unknown>;
}

/** A schema given as a database URL stays a URL (a relative `sqlite:` path made absolute); undefined for a path. */
function schemaSetting(flag: string | undefined, configured: unknown, cwd: string, root: string): string | undefined {
  const isUrl = (value: unknown): value is string => typeof value === 'string' && /^(postgres(ql)?:\/\/|sqlite:)/i.test(value.trim());
  if (flag) return isUrl(flag) ? resolveSqlitePath(flag, cwd) : undefined;
  return isUrl(configured) ? resolveSqlitePath(configured, root) : undefined;
}

/** Makes a relative `sqlite:` path absolute against `base`, so commands agree whatever their cwd. */
function resolveSqlitePath(url: string, base: string): string {
  const match = /^sqlite:(?!\/\/)(.+)$/i.exec(url.trim());
  if (!match || match[1] === ':memory:' || match[1].startsWith('/')) return url;
  return `sqlite:${resolve(base, match[1])}`;
}

function readGuardAllow(guard: unknown, file: string | undefined): string[] {
  if (guard === undefined) return [];
  const allow = (guard as { allow?: unknown } | null)?.allow;
  if (typeof guard !== 'object' || guard === null || Array.isArray(guard) || (allow !== undefined && (!Array.isArray(allow) || allow.some((a) => typeof a !== 'string')))) {
    throw new LockstepError(`${file}: guard: expected { "allow": ["kind", "kind:table.column", …] }, found ${JSON.stringify(guard)}`, {
      hint: 'Each entry names a change kind (column.extra), optionally with a table or table.column; * matches anything.',
    });
  }
  return (allow as string[] | undefined) ?? [];
}
