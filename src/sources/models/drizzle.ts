import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { errorMessage, LockstepError } from '../../core/errors.js';
import { emptySchema, type DialectName, type EnumType, type ForeignKey, type Index, type ReferentialAction, type Schema, type Table } from '../../core/model.js';
import { loadModelModule } from './load-model-module.js';
import { loadProjectPackage } from './project-package.js';
import { DeclarationFinder, escapeRegExp, type FoundDeclaration, projectPath, sortIssues } from './model-locations.js';
import type { LoadedModels, LoadModelsOptions, ModelIssue, ModelLocation } from './model-source.js';
import { emptyTable, neutralColumn, quoteLiteral, serialBase, serialDefault, sortTable } from './neutral-columns.js';

// The few members of drizzle-orm that are read, described instead of imported (the
// package is the user's, loaded at run time from their project).
interface DrizzleSql {
  queryChunks: unknown[];
}
interface DrizzleQuery {
  sql: string;
  params: unknown[];
}
interface DrizzleDialect {
  sqlToQuery(sql: DrizzleSql): DrizzleQuery;
}
interface DrizzleColumn {
  name: string;
  /** Declared without a name: `name` is the key, converted by `casing`. */
  keyAsName?: boolean;
  notNull: boolean;
  primary: boolean;
  isUnique: boolean;
  uniqueName: string | undefined;
  default: unknown;
  defaultFn: unknown;
  onUpdateFn: unknown;
  columnType: string;
  generated?: { as: unknown; mode?: string; type?: string };
  generatedIdentity?: { type: 'always' | 'byDefault' };
  autoIncrement?: boolean;
  enum?: { enumName: string; enumValues: string[]; schema?: string };
  getSQLType(): string;
}
interface DrizzleIndex {
  config: {
    name?: string;
    columns: Array<DrizzleColumn & { indexConfig?: { order?: string } }>;
    unique: boolean;
    where?: DrizzleSql;
    method?: string;
  };
}
interface DrizzleForeignKey {
  onDelete?: string;
  onUpdate?: string;
  getName(): string;
  reference(): { columns: DrizzleColumn[]; foreignTable: object; foreignColumns: DrizzleColumn[] };
}
interface DrizzleTableConfig {
  name: string;
  schema?: string;
  columns: DrizzleColumn[];
  indexes: DrizzleIndex[];
  foreignKeys: DrizzleForeignKey[];
  checks: Array<{ name: string; value: DrizzleSql }>;
  primaryKeys: Array<{ columns: DrizzleColumn[]; getName(): string }>;
  uniqueConstraints: Array<{ columns: DrizzleColumn[]; name?: string; getName(): string }>;
}
interface DrizzleOrm {
  is(value: unknown, type: unknown): boolean;
  SQL: unknown;
  Relations: unknown;
  One: unknown;
  getTableName(table: object): string;
  createTableRelationsHelpers(table: object): unknown;
}
interface DrizzleCore {
  getTableConfig(table: object): DrizzleTableConfig;
  dialect: DrizzleDialect;
  tableClass: unknown;
  integerClass?: unknown;
}

const MODULE_FILE = /\.(ts|mts|cts|js|mjs|cjs)$/;

/**
 * Reads a Drizzle schema module (or a folder of them) with the project's own drizzle-orm:
 * every exported `pgTable`/`sqliteTable` through `getTableConfig`, every exported `pgEnum`,
 * and `relations()` for integrity. Names follow drizzle-kit (`users_email_unique`,
 * `posts_author_id_users_id_fk`, `users_name_index`), so a database built from
 * drizzle-kit's migrations compares equal. Rules: docs/models.md.
 *
 * @example
 * const models = await readDrizzleModels('/app/src/db/schema.ts', { cwd: '/app' });
 * models.schema.tables.map((t) => t.name); // → ['posts', 'users']
 */
export async function readDrizzleModels(path: string, options: LoadModelsOptions): Promise<LoadedModels> {
  const cwd = options.cwd;
  const casing = options.casing ?? drizzleKitCasing(cwd);
  const orm = loadProjectPackage<DrizzleOrm>('drizzle-orm', cwd);
  const entries = modelFiles(path);
  const exported = new Map<string, unknown>();
  const files: string[] = [];
  for (const file of entries) {
    const loaded = await loadModelModule(file, cwd);
    for (const f of loaded.files) if (!files.includes(f)) files.push(f);
    for (const [key, value] of Object.entries(loaded.exports)) if (!exported.has(key)) exported.set(key, value);
  }
  const pg = loadProjectPackage<Record<string, unknown>>('drizzle-orm/pg-core', cwd);
  const sqlite = loadProjectPackage<Record<string, unknown>>('drizzle-orm/sqlite-core', cwd);
  const values = [...exported.values()];
  const pgTables = values.filter((v) => orm.is(v, pg.PgTable)) as object[];
  const sqliteTables = values.filter((v) => orm.is(v, sqlite.SQLiteTable)) as object[];
  if (pgTables.length > 0 && sqliteTables.length > 0) {
    throw new LockstepError(`${projectPath(path, cwd)} exports both pgTable and sqliteTable tables`, {
      hint: 'Point --schema at the schema of one database.',
    });
  }
  const dialect: DialectName = pgTables.length > 0 ? 'postgres' : sqliteTables.length > 0 ? 'sqlite' : options.dialect ?? 'postgres';
  if (pgTables.length === 0 && sqliteTables.length === 0) {
    throw new LockstepError(`${projectPath(path, cwd)} exports no Drizzle tables (expected pgTable(...) or sqliteTable(...) exports)`, {
      hint: 'Export every table from the schema module (export const users = pgTable(...)), as drizzle() needs them.',
    });
  }
  const core: DrizzleCore =
    dialect === 'postgres'
      ? { getTableConfig: pg.getTableConfig as DrizzleCore['getTableConfig'], dialect: new (pg.PgDialect as new (config: object) => DrizzleDialect)({ casing }), tableClass: pg.PgTable }
      : {
          getTableConfig: sqlite.getTableConfig as DrizzleCore['getTableConfig'],
          dialect: new (sqlite.SQLiteSyncDialect as new (config: object) => DrizzleDialect)({ casing }),
          tableClass: sqlite.SQLiteTable,
          integerClass: sqlite.SQLiteBaseInteger,
        };
  const exportNames = new Map<unknown, string>([...exported].map(([key, value]) => [value, key]));
  // drizzle-kit's rule (also for index columns, which carry no table): a column named by its key is converted.
  const { toCamelCase, toSnakeCase } = loadProjectPackage<Record<'toCamelCase' | 'toSnakeCase', (name: string) => string>>('drizzle-orm/casing', cwd);
  const convert = casing === 'snake_case' ? toSnakeCase : casing === 'camelCase' ? toCamelCase : undefined;
  const nameOf = (column: DrizzleColumn) => (convert && column.keyAsName ? convert(column.name) : column.name);
  const reader = new DrizzleReader(orm, core, dialect, new DeclarationFinder(files, cwd), exportNames, nameOf, convert !== undefined);
  const tables = dialect === 'postgres' ? pgTables : sqliteTables;
  for (const table of tables) reader.addTable(table);
  if (dialect === 'postgres') {
    for (const value of values) if (typeof value === 'function' && isEnum(value)) reader.addEnum(value);
  }
  reader.checkReferences(new Set(tables));
  for (const value of values) if (orm.is(value, orm.Relations)) reader.checkRelations(value as { table: object; config: (h: unknown) => Record<string, unknown> }, new Set(tables));
  return {
    kind: 'drizzle',
    dialect,
    schema: reader.finish(),
    issues: sortIssues(reader.issues),
    locations: reader.locations,
    files,
    notes: reader.notes,
  };
}

function isEnum(value: unknown): value is { enumName: string; enumValues: string[]; schema?: string } {
  const v = value as { enumName?: unknown; enumValues?: unknown };
  return typeof v.enumName === 'string' && Array.isArray(v.enumValues);
}

/** The module itself, or every module directly in a folder (drizzle-kit's `schema: './src/db/schema'`). */
function modelFiles(path: string): string[] {
  if (!existsSync(path)) throw new LockstepError(`Drizzle schema not found: ${path}`, { hint: 'Point --schema at the schema module or its folder.' });
  if (!statSync(path).isDirectory()) return [path];
  return readdirSync(path)
    .filter((e) => MODULE_FILE.test(e) && !e.endsWith('.d.ts') && !/\.(test|spec)\./.test(e))
    .sort()
    .map((e) => join(path, e));
}

class DrizzleReader {
  readonly issues: ModelIssue[] = [];
  readonly locations = new Map<string, ModelLocation>();
  readonly notes: string[] = [];
  private readonly schema: Schema;
  private readonly tableDeclarations = new Map<object, FoundDeclaration | undefined>();
  private readonly enums = new Map<string, EnumType>();

  constructor(
    private readonly orm: DrizzleOrm,
    private readonly core: DrizzleCore,
    private readonly dialect: DialectName,
    private readonly finder: DeclarationFinder,
    /** Export name of each exported value, to find its declaration. */
    private readonly exportNames: Map<unknown, string>,
    /** The database name of a column: its own, or its key under `casing` (`createdAt: timestamp()` → `created_at`). */
    private readonly nameOf: (column: DrizzleColumn) => string,
    /** A casing is set: default constraint names drizzle-kit derives from keys use the cased names. */
    private readonly cased: boolean,
  ) {
    this.schema = emptySchema(dialect);
  }

  addTable(source: object): void {
    const config = this.core.getTableConfig(source);
    const namespace = this.dialect === 'sqlite' ? 'main' : config.schema ?? 'public';
    const table = emptyTable(namespace, config.name);
    const declared = this.declarationOf(source, config.name);
    const keyOf = columnKeys(source);
    this.locations.set(`${namespace}.${config.name}`, declared ? location(declared) : this.finder.fallback());

    const soleKey = config.columns.filter((c) => c.primary).length === 1 && config.primaryKeys.length === 0;
    for (const col of config.columns) {
      table.columns.push(this.column(table, col, soleKey && col.primary));
      const name = this.nameOf(col);
      const key = keyOf.get(col) ?? col.name;
      const at = declared ? this.finder.find(new RegExp(`(?:\\b${escapeRegExp(key)}\\s*:|['"\`]${escapeRegExp(col.name)}['"\`])`), declared) : undefined;
      const found = at ?? declared;
      this.locations.set(`${namespace}.${config.name}.${name}`, found ? location(found) : this.finder.fallback());
      if (col.defaultFn !== undefined || col.onUpdateFn !== undefined) {
        const what = col.defaultFn !== undefined ? '$defaultFn' : '$onUpdate';
        this.notes.push(`${config.name}.${name}: ${what} runs in the application, not in the database; it is not compared`);
      }
      if (col.enum && this.dialect === 'postgres') this.addEnum(col.enum);
      if (col.isUnique) {
        this.addUnique(table, col.uniqueName ?? `${config.name}_${name}_unique`, [name]);
      }
    }

    const primary = config.columns.filter((c) => c.primary);
    if (config.primaryKeys.length > 0) {
      const pk = config.primaryKeys[0]!;
      table.primaryKey = { name: this.dialect === 'postgres' ? this.casedName(pk.getName(), pk.columns) : null, columns: pk.columns.map(this.nameOf) };
    } else if (primary.length > 0) {
      table.primaryKey = { name: this.dialect === 'postgres' ? `${config.name}_pkey`.slice(0, 63) : null, columns: primary.map(this.nameOf) };
    }
    for (const unique of config.uniqueConstraints) this.addUnique(table, unique.name ?? this.casedName(unique.getName(), unique.columns), unique.columns.map(this.nameOf));
    for (const index of config.indexes) table.indexes.push(this.index(config.name, index));
    for (const fk of config.foreignKeys) table.foreignKeys.push(this.foreignKey(fk));
    for (const check of config.checks) table.checks.push({ name: check.name, expression: this.tableExpression(config.name, check.value) });
    sortTable(table);
    this.schema.tables.push(table);
  }

  addEnum(value: { enumName: string; enumValues: string[]; schema?: string }): void {
    const schema = value.schema ?? 'public';
    const key = `${schema}.${value.enumName}`;
    if (!this.enums.has(key)) this.enums.set(key, { schema, name: value.enumName, values: [...value.enumValues] });
  }

  /** Foreign keys to tables that are not exported into the schema object. */
  checkReferences(exported: Set<object>): void {
    for (const source of exported) {
      const config = this.core.getTableConfig(source);
      for (const fk of config.foreignKeys) {
        const reference = fk.reference();
        if (exported.has(reference.foreignTable)) continue;
        const target = this.orm.getTableName(reference.foreignTable);
        const column = reference.columns[0] ? this.nameOf(reference.columns[0]) : '';
        const namespace = this.dialect === 'sqlite' ? 'main' : config.schema ?? 'public';
        this.issues.push({
          kind: 'model.unregistered',
          message: `${config.name}.${column} references table ${target}, which is not exported from the schema module, so drizzle() and drizzle-kit do not know it`,
          location: this.locations.get(`${namespace}.${config.name}.${column}`) ?? this.finder.fallback(),
          hint: `Export ${target} from the schema module (or from a file in the schema folder).`,
        });
      }
    }
  }

  /** `relations()` that name a missing table, or a table not exported into the schema. */
  checkRelations(relations: { table: object; config: (helpers: unknown) => Record<string, unknown> }, exported: Set<object>): void {
    const source = this.orm.getTableName(relations.table);
    const name = this.exportNames.get(relations);
    const at =
      (name ? this.finder.find(new RegExp(`\\b${escapeRegExp(name)}\\s*=\\s*relations\\(`)) : undefined) ??
      this.locations.get(this.tableKey(relations.table)) ??
      this.finder.fallback();
    let config: Record<string, unknown>;
    try {
      config = relations.config(this.orm.createTableRelationsHelpers(relations.table));
    } catch (error) {
      this.issues.push({
        kind: 'relation.unknown-model',
        message: `relations(${source})${name ? ` (${name})` : ''} passes one() or many() a table that does not exist: it is undefined when the module loads (${errorMessage(error).split('\n')[0]})`,
        location: location(at),
        hint: 'Point one()/many() at a table the schema module defines and exports.',
      });
      return;
    }
    for (const [field, relation] of Object.entries(config)) {
      const target = (relation as { referencedTable?: unknown }).referencedTable;
      const fieldAt = location(('path' in at ? this.finder.find(new RegExp(`\\b${escapeRegExp(field)}\\s*:`), at as FoundDeclaration) : undefined) ?? at);
      if (!target || typeof target !== 'object' || !this.orm.is(target, this.core.tableClass)) {
        this.issues.push({
          kind: 'relation.unknown-model',
          message: `relations(${source}).${field} names a table that does not exist`,
          location: fieldAt,
          hint: 'Point one()/many() at a table the schema module defines and exports.',
        });
      } else if (!exported.has(target)) {
        const name = this.orm.getTableName(target);
        this.issues.push({
          kind: 'model.unregistered',
          message: `relations(${source}).${field} uses table ${name}, which is not exported from the schema module, so db.query.${source}.findMany({ with: { ${field}: true } }) fails`,
          location: fieldAt,
          hint: `Export ${name} from the schema module.`,
        });
      }
    }
  }

  finish(): Schema {
    const byName = (a: { schema: string; name: string }, b: { schema: string; name: string }) =>
      a.schema < b.schema ? -1 : a.schema > b.schema ? 1 : a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
    this.schema.tables.sort(byName);
    this.schema.enums = [...this.enums.values()].sort(byName);
    return this.schema;
  }

  private tableKey(source: object): string {
    const config = this.core.getTableConfig(source);
    return `${this.dialect === 'sqlite' ? 'main' : config.schema ?? 'public'}.${config.name}`;
  }

  private declarationOf(source: object, name: string): FoundDeclaration | undefined {
    if (this.tableDeclarations.has(source)) return this.tableDeclarations.get(source);
    const variable = this.exportNames.get(source);
    const found =
      (variable ? this.finder.find(new RegExp(`\\b${escapeRegExp(variable)}\\s*=\\s*[\\w$.]*[Tt]able\\(`)) : undefined) ??
      this.finder.find(new RegExp(`(?:pgTable|sqliteTable|\\.table|Table)\\(\\s*['"\`]${escapeRegExp(name)}['"\`]`));
    if (found) {
      const next = this.finder.find(/(?:pgTable|sqliteTable|\.table|relations|pgEnum)\(/, { ...found, offset: found.offset + found.groups[0]!.length });
      found.end = next?.offset;
    }
    this.tableDeclarations.set(source, found);
    return found;
  }

  private column(table: Table, col: DrizzleColumn, soleKey: boolean) {
    let type = col.getSQLType();
    let defaultValue = this.defaultOf(col, type);
    if (this.dialect === 'postgres') {
      const serial = serialBase(type);
      if (serial) {
        type = serial;
        defaultValue = serialDefault(table, this.nameOf(col));
      }
      if (col.enum) type = col.enum.schema && col.enum.schema !== 'public' ? `${col.enum.schema}.${col.enum.enumName}` : col.enum.enumName;
      if (col.columnType === 'PgArray' && col.enum) type += '[]';
    }
    const generated = col.generated ? this.sqlOrText(col.generated.as) : null;
    const identity = col.generatedIdentity ? (col.generatedIdentity.type === 'always' ? 'always' : 'by default') : null;
    const autoincrement = this.core.integerClass !== undefined && this.orm.is(col, this.core.integerClass) && col.autoIncrement === true;
    return neutralColumn(this.dialect, {
      name: this.nameOf(col),
      type,
      nullable: !col.notNull && !col.primary,
      default: generated === null ? defaultValue : null,
      identity,
      generated,
      autoincrement,
      soleKey,
    });
  }

  /** A database default as drizzle-kit writes it; `$defaultFn` is not one. */
  private defaultOf(col: DrizzleColumn, sqlType: string): string | null {
    const value = col.default;
    if (value === undefined) return null;
    if (this.orm.is(value, this.orm.SQL)) return this.sqlText(value as DrizzleSql);
    if (typeof value === 'string') return quoteLiteral(value);
    const lowered = sqlType.toLowerCase();
    if (this.dialect === 'postgres') {
      if (lowered === 'json' || lowered === 'jsonb') return `${quoteLiteral(JSON.stringify(value))}::${lowered}`;
      if (value instanceof Date) {
        if (lowered === 'date') return quoteLiteral(value.toISOString().split('T')[0]!);
        if (lowered === 'timestamp') return quoteLiteral(value.toISOString().replace('T', ' ').slice(0, 23));
        return quoteLiteral(value.toISOString());
      }
      if (Array.isArray(value)) return quoteLiteral(`{${value.map((v) => (typeof v === 'string' ? `"${v.replace(/"/g, '\\"')}"` : String(v))).join(',')}}`);
      return String(value);
    }
    if (typeof value === 'object' && value !== null) return quoteLiteral(JSON.stringify(value));
    return String(value);
  }

  private index(table: string, index: DrizzleIndex): Index {
    const keys = index.config.columns.map((c) => {
      if (this.orm.is(c, this.orm.SQL)) return { column: null, expression: this.tableExpression(table, c as unknown as DrizzleSql), descending: false };
      return { column: this.nameOf(c), expression: null, descending: c.indexConfig?.order === 'desc' };
    });
    const name = index.config.name ?? `${table}_${keys.map((k) => k.column ?? k.expression).join('_')}_index`;
    return {
      name,
      unique: index.config.unique,
      keys,
      where: index.config.where ? this.tableExpression(table, index.config.where) : null,
      method: this.dialect === 'sqlite' ? 'btree' : index.config.method ?? 'btree',
    };
  }

  private foreignKey(fk: DrizzleForeignKey): ForeignKey {
    const reference = fk.reference();
    const target = this.core.getTableConfig(reference.foreignTable);
    return {
      name: this.casedName(fk.getName(), [...reference.columns, ...reference.foreignColumns]),
      columns: reference.columns.map(this.nameOf),
      referencedSchema: this.dialect === 'sqlite' ? 'main' : target.schema ?? 'public',
      referencedTable: target.name,
      referencedColumns: reference.foreignColumns.map(this.nameOf),
      onDelete: action(fk.onDelete),
      onUpdate: action(fk.onUpdate),
    };
  }

  /** A default name drizzle built from column keys, with the cased names as drizzle-kit writes it. */
  private casedName(name: string, columns: DrizzleColumn[]): string {
    if (!this.cased) return name;
    let out = name;
    for (const column of columns) out = out.split(column.name).join(this.nameOf(column));
    return out;
  }

  private addUnique(table: Table, name: string, columns: string[]): void {
    // drizzle-kit writes SQLite uniques as CREATE UNIQUE INDEX, PostgreSQL ones as constraints.
    if (this.dialect === 'sqlite') table.indexes.push({ name, unique: true, keys: columns.map((column) => ({ column, expression: null, descending: false })), where: null, method: 'btree' });
    else table.uniques.push({ name, columns });
  }

  private sqlOrText(value: unknown): string {
    if (typeof value === 'function') return this.sqlOrText((value as () => unknown)());
    if (this.orm.is(value, this.orm.SQL)) return this.sqlText(value as DrizzleSql);
    return String(value);
  }

  /**
   * An expression inside a table (check, index key): drizzle writes `"products"."stock"`;
   * PostgreSQL stores and prints it as `stock`, SQLite keeps the text as written.
   */
  private tableExpression(table: string, value: DrizzleSql): string {
    const text = this.sqlText(value);
    return this.dialect === 'postgres' ? text.split(`"${table.replace(/"/g, '""')}".`).join('') : text;
  }

  /** SQL of a `sql\`…\`` fragment with its parameters inlined as literals. */
  private sqlText(value: DrizzleSql): string {
    const query = this.core.dialect.sqlToQuery(value);
    return query.sql.replace(/\$(\d+)|\?/g, (_, n: string | undefined) => {
      const param = n === undefined ? query.params.shift() : query.params[Number(n) - 1];
      return typeof param === 'string' ? quoteLiteral(param) : String(param);
    });
  }
}

export type DrizzleCasing = 'snake_case' | 'camelCase';

/**
 * The `casing` of the project's drizzle-kit config (`drizzle.config.ts`, …), which
 * drizzle-kit names columns with and the app passes to `drizzle()`; read as text, the
 * config is not run (it usually loads secrets).
 */
function drizzleKitCasing(cwd: string): DrizzleCasing | undefined {
  for (const name of ['drizzle.config.ts', 'drizzle.config.mts', 'drizzle.config.js', 'drizzle.config.mjs', 'drizzle.config.cjs', 'drizzle.config.json']) {
    const file = join(cwd, name);
    if (!existsSync(file)) continue;
    const text = readFileSync(file, 'utf8');
    const literal = /["']?\bcasing["']?\s*:\s*["'`](snake_case|camelCase)["'`]/.exec(text);
    if (literal) return literal[1] as DrizzleCasing;
    const other = /["']?\bcasing["']?\s*:\s*([^,\n}]+)/.exec(text);
    if (other) {
      const line = text.slice(0, other.index).split('\n').length;
      throw new LockstepError(`${name}:${line} sets casing to ${other[1]!.trim()}, which lockstep cannot read without running the config`, {
        hint: "Write it as a literal (casing: 'snake_case' or 'camelCase'), as drizzle-kit accepts.",
      });
    }
    return undefined;
  }
  return undefined;
}

function location(found: ModelLocation): ModelLocation {
  return { file: found.file, line: found.line };
}

function action(value: string | undefined): ReferentialAction {
  const v = (value ?? 'no action').toLowerCase();
  return (['no action', 'restrict', 'cascade', 'set null', 'set default'] as const).find((a) => a === v) ?? 'no action';
}

/** JS property key of each column (`createdAt` for `created_at`), for locations. */
function columnKeys(source: object): Map<DrizzleColumn, string> {
  const columns = (source as Record<symbol, Record<string, DrizzleColumn>>)[Symbol.for('drizzle:Columns')] ?? {};
  return new Map(Object.entries(columns).map(([key, column]) => [column, key]));
}

