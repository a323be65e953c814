import { existsSync, statSync } from 'node:fs';
import { errorMessage, LockstepError } from '../../core/errors.js';
import { emptySchema, type Column, type DialectName, type EnumType, type ReferentialAction, type Schema, type Table } from '../../core/model.js';
import { expandGlob } from './expand-glob.js';
import { withModelModules } from './load-model-module.js';
import { loadProjectPackage } from './project-package.js';
import { DeclarationFinder, escapeRegExp, type FoundDeclaration, projectPath, sortIssues } from './model-locations.js';
import type { LoadedModels, LoadModelsOptions, ModelIssue, ModelLocation } from './model-source.js';
import { emptyTable, neutralColumn, serialBase, serialDefault, sortTable } from './neutral-columns.js';

// The members of TypeORM that are read, described instead of imported (the package is
// the user's, loaded at run time from their project).
type Target = Function | string;
interface DataSourceLike {
  options: { type: string; entities?: unknown; schema?: string };
  driver: DriverLike;
  namingStrategy: { primaryKeyName(table: string, columns: string[]): string };
  buildMetadatas: unknown;
}
interface DriverLike {
  normalizeType(column: unknown): string;
  createFullType(column: TableColumnOptions): string;
  uuidGenerator?: string;
}
interface TableColumnOptions {
  name: string;
  type: string;
  length?: string;
  precision?: number | null;
  scale?: number;
  default?: string;
  isNullable: boolean;
  isGenerated: boolean;
  generationStrategy?: 'increment' | 'uuid' | 'rowid' | 'identity';
  generatedIdentity?: 'ALWAYS' | 'BY DEFAULT';
  isArray: boolean;
  enum?: string[];
  enumName?: string;
  asExpression?: string;
  generatedType?: 'VIRTUAL' | 'STORED';
}
interface ColumnMetadataLike {
  databaseName: string;
  propertyName: string;
  isVirtualProperty: boolean;
  isPrimary: boolean;
  isCreateDate: boolean;
  isUpdateDate: boolean;
  isVersion: boolean;
  relationMetadata?: { propertyName: string };
}
interface EntityMetadataLike {
  name: string;
  target: Target;
  tableName: string;
  tablePath: string;
  schema?: string;
  tableType: string;
  primaryKeyConstraintName?: string;
  columns: ColumnMetadataLike[];
  indices: Array<{ name: string; isUnique: boolean; isSpatial: boolean; synchronize: boolean; where?: string; columns: ColumnMetadataLike[] }>;
  uniques: Array<{ name: string; columns: ColumnMetadataLike[] }>;
  foreignKeys: Array<{ name: string; columnNames: string[]; referencedTablePath: string; referencedColumnNames: string[]; onDelete?: string; onUpdate?: string }>;
  checks: Array<{ name: string; expression: string }>;
  manyToManyRelations?: unknown;
}
interface RelationArgs {
  target: Target;
  propertyName: string;
  relationType: string;
  type: ((t?: unknown) => unknown) | string;
}
interface MetadataArgsStorage {
  tables: Array<{ target: Target; name?: string }>;
  relations: RelationArgs[];
  joinTables: Array<{ target: Target; propertyName: string; name?: string }>;
}

const POSTGRES_TYPES = new Set(['postgres', 'aurora-postgres', 'cockroachdb']);
const SQLITE_TYPES = new Set(['better-sqlite3', 'sqlite', 'sqljs', 'capacitor', 'cordova', 'expo', 'nativescript', 'react-native']);

/**
 * Reads a TypeORM model set with the project's own typeorm: a module exporting a
 * `DataSource` (or a folder or glob of entity files), whose entity metadata is built
 * without connecting (`ConnectionMetadataBuilder`), then mapped through TypeORM's own
 * schema-builder rules (`TableUtils.createTableColumnOptions`, `driver.createFullType`),
 * so types, lengths, defaults, naming strategies and `@JoinTable` junction tables come out
 * as `synchronize()` would create them. Rules: docs/models.md.
 *
 * @example
 * const models = await readTypeormModels('/app/src/data-source.ts', { cwd: '/app' });
 * models.schema.tables.map((t) => t.name); // → ['customers', 'orders', 'orders_products_products']
 */
export async function readTypeormModels(path: string, options: LoadModelsOptions): Promise<LoadedModels> {
  const cwd = options.cwd;
  // Decorators write design:type metadata through Reflect.metadata, which needs the polyfill first.
  loadProjectPackage('reflect-metadata', cwd);
  const typeorm = loadProjectPackage<{ DataSource: new (options: object) => DataSourceLike; getMetadataArgsStorage(): MetadataArgsStorage }>('typeorm', cwd);
  const { ConnectionMetadataBuilder } = loadProjectPackage<{ ConnectionMetadataBuilder: new (ds: DataSourceLike) => { buildEntityMetadatas(entities: unknown[]): Promise<EntityMetadataLike[]> } }>(
    'typeorm/connection/ConnectionMetadataBuilder.js',
    cwd,
  );
  const { EntityMetadataValidator } = loadProjectPackage<{ EntityMetadataValidator: new () => { validateMany(m: EntityMetadataLike[], driver: DriverLike): void } }>(
    'typeorm/metadata-builder/EntityMetadataValidator.js',
    cwd,
  );
  const { TableUtils } = loadProjectPackage<{ TableUtils: { createTableColumnOptions(column: ColumnMetadataLike, driver: DriverLike): TableColumnOptions } }>(
    'typeorm/schema-builder/util/TableUtils.js',
    cwd,
  );

  const { result, files } = await withModelModules(cwd, async (load) => {
    const { dataSource, entities } = await entitiesOf(path, options, load, typeorm.DataSource);
    const dialect = dialectOf(dataSource, path, cwd);
    const storage = typeorm.getMetadataArgsStorage();
    const problems = relationProblems(storage, entities);
    // Build without the broken relations (TypeORM would throw at the first one), report them instead.
    const removed = problems.map((p) => p.relation);
    storage.relations = storage.relations.filter((r) => !removed.includes(r));
    try {
      const metadatas = await new ConnectionMetadataBuilder(dataSource).buildEntityMetadatas(entities);
      let invalid: string | null = null;
      try {
        new EntityMetadataValidator().validateMany(metadatas.filter((m) => m.tableType !== 'view'), dataSource.driver);
      } catch (error) {
        invalid = errorMessage(error);
      }
      return { dataSource, dialect, metadatas, problems, invalid };
    } finally {
      storage.relations.push(...removed);
    }
  });

  const reader = new TypeormReader(result.dataSource, result.dialect, TableUtils, new DeclarationFinder(files, cwd));
  for (const metadata of result.metadatas) reader.addEntity(metadata, result.metadatas);
  for (const problem of result.problems) reader.addProblem(problem);
  if (result.invalid) reader.issues.push({ kind: 'model.invalid', message: result.invalid, location: reader.finder.fallback(), hint: 'Fix the entity TypeORM names; DataSource.initialize() fails the same way.' });
  return { kind: 'typeorm', dialect: result.dialect, schema: reader.finish(), issues: sortIssues(reader.issues), locations: reader.locations, files, notes: reader.notes };
}

/** The DataSource a module exports, or one made for a folder / glob of entity files. */
async function entitiesOf(
  path: string,
  options: LoadModelsOptions,
  load: (file: string) => Promise<Record<string, unknown>>,
  DataSource: new (options: object) => DataSourceLike,
): Promise<{ dataSource: DataSourceLike; entities: unknown[] }> {
  const isGlob = /[*{]/.test(path);
  if (!isGlob && !existsSync(path)) throw new LockstepError(`TypeORM DataSource not found: ${path}`, { hint: 'Point --schema at the module that exports your DataSource, or at a folder or glob of entities.' });
  let dataSource: DataSourceLike | undefined;
  let entityList: unknown[];
  if (isGlob || statSync(path).isDirectory()) {
    entityList = [isGlob ? path : `${path}/**/*.{ts,js,mts,mjs,cts,cjs}`];
  } else {
    const exports = await load(path);
    dataSource = Object.values(exports).find(isDataSource);
    entityList = dataSource ? listOf(dataSource.options.entities) : Object.values(exports).filter((v) => typeof v === 'function');
  }
  dataSource ??= new DataSource({ type: options.dialect === 'sqlite' ? 'better-sqlite3' : 'postgres', database: ':memory:' });
  const entities: unknown[] = [];
  for (const entry of entityList) {
    if (typeof entry !== 'string') {
      entities.push(entry);
      continue;
    }
    // Globs are loaded here, not by TypeORM: its import() would bypass the decorator-metadata compiler.
    for (const file of expandGlob(entry, options.cwd)) {
      if (file.endsWith('.d.ts')) continue;
      for (const value of Object.values(await load(file))) if (typeof value === 'function' && !entities.includes(value)) entities.push(value);
    }
  }
  return { dataSource, entities };
}

function isDataSource(value: unknown): value is DataSourceLike {
  const v = value as Partial<DataSourceLike> | null;
  return typeof v === 'object' && v !== null && typeof v.buildMetadatas === 'function' && typeof v.options === 'object' && v.driver !== undefined;
}

function listOf(value: unknown): unknown[] {
  if (!value) return [];
  return Array.isArray(value) ? value : Object.values(value as object);
}

function dialectOf(dataSource: DataSourceLike, path: string, cwd: string): DialectName {
  const type = dataSource.options.type;
  if (POSTGRES_TYPES.has(type)) return 'postgres';
  if (SQLITE_TYPES.has(type)) return 'sqlite';
  throw new LockstepError(`${projectPath(path, cwd)}: the DataSource is ${type}; lockstep compares PostgreSQL and SQLite databases`, {
    hint: 'Point --schema at a DataSource of type postgres or better-sqlite3.',
  });
}

interface RelationProblem {
  relation: RelationArgs;
  kind: 'model.unregistered' | 'relation.unknown-model';
  target: string;
}

/**
 * Relations TypeORM would fail on at the first query: to a class that is not an entity
 * (or is undefined: a renamed or circular import), or to an entity the DataSource does
 * not register.
 */
function relationProblems(storage: MetadataArgsStorage, entities: unknown[]): RelationProblem[] {
  const classes = entities.filter((e): e is Function => typeof e === 'function');
  const registeredNames = new Set<string>();
  for (const e of entities) {
    if (typeof e === 'function') registeredNames.add(e.name);
    else if (e && typeof e === 'object' && 'options' in e) registeredNames.add(String((e as { options: { name?: string } }).options.name));
  }
  const isEntity = (target: unknown) => storage.tables.some((t) => t.target === target);
  const ownedByRegistered = (target: Target) => typeof target === 'function' && classes.some((c) => c === target || c.prototype instanceof target);
  const problems: RelationProblem[] = [];
  for (const relation of storage.relations) {
    if (!ownedByRegistered(relation.target)) continue;
    let type: unknown;
    try {
      type = typeof relation.type === 'function' ? relation.type() : relation.type;
    } catch {
      type = undefined;
    }
    if (typeof type === 'string') {
      if (registeredNames.has(type)) continue;
      const known = storage.tables.some((t) => t.name === type || (typeof t.target === 'function' && t.target.name === type));
      problems.push({ relation, kind: known ? 'model.unregistered' : 'relation.unknown-model', target: type });
    } else if (typeof type !== 'function') {
      problems.push({ relation, kind: 'relation.unknown-model', target: String(type) });
    } else if (!isEntity(type)) {
      problems.push({ relation, kind: 'relation.unknown-model', target: type.name });
    } else if (!classes.includes(type)) {
      problems.push({ relation, kind: 'model.unregistered', target: type.name });
    }
  }
  return problems;
}

class TypeormReader {
  readonly issues: ModelIssue[] = [];
  readonly locations = new Map<string, ModelLocation>();
  readonly notes: string[] = [];
  private readonly schema: Schema;
  private readonly enums = new Map<string, EnumType>();

  constructor(
    private readonly dataSource: DataSourceLike,
    private readonly dialect: DialectName,
    private readonly tableUtils: { createTableColumnOptions(column: ColumnMetadataLike, driver: DriverLike): TableColumnOptions },
    readonly finder: DeclarationFinder,
  ) {
    this.schema = emptySchema(dialect);
  }

  addEntity(metadata: EntityMetadataLike, all: EntityMetadataLike[]): void {
    // Views are not tables; single-table-inheritance children live in their parent's table.
    if (metadata.tableType === 'view' || metadata.tableType === 'entity-child') return;
    const namespace = this.dialect === 'sqlite' ? 'main' : metadata.schema ?? this.dataSource.options.schema ?? 'public';
    const table = emptyTable(namespace, metadata.tableName);
    const declared = this.declarationOf(metadata, all);
    this.locations.set(`${namespace}.${table.name}`, declared ? location(declared) : this.finder.fallback());
    const primary = metadata.columns.filter((c) => c.isPrimary);
    for (const column of metadata.columns) {
      if (column.isVirtualProperty) continue;
      table.columns.push(this.column(table, column, primary.length === 1 && column.isPrimary));
      const property = column.relationMetadata?.propertyName ?? column.propertyName;
      const at = declared && metadata.tableType !== 'junction' ? this.finder.find(new RegExp(`\\b${escapeRegExp(property)}\\s*[!?]?\\s*:`), declared) : undefined;
      const found = at ?? declared;
      this.locations.set(`${namespace}.${table.name}.${column.databaseName}`, found ? location(found) : this.finder.fallback());
      if (column.isUpdateDate) this.notes.push(`${table.name}.${column.databaseName}: @UpdateDateColumn is set by TypeORM on save; only its default is in the database`);
      if (column.isVersion) this.notes.push(`${table.name}.${column.databaseName}: @VersionColumn is incremented by TypeORM on save, not by the database`);
    }
    if (primary.length > 0) {
      const columns = primary.map((c) => c.databaseName);
      table.primaryKey = {
        name: this.dialect === 'sqlite' ? null : metadata.primaryKeyConstraintName ?? this.dataSource.namingStrategy.primaryKeyName(metadata.tablePath, columns),
        columns,
      };
    }
    for (const unique of metadata.uniques) table.uniques.push({ name: unique.name, columns: unique.columns.map((c) => c.databaseName) });
    for (const index of metadata.indices) {
      if (index.synchronize === false) continue;
      table.indexes.push({
        name: index.name,
        unique: index.isUnique,
        keys: index.columns.map((c) => ({ column: c.databaseName, expression: null, descending: false })),
        where: index.where ?? null,
        method: this.dialect === 'postgres' && index.isSpatial ? 'gist' : 'btree',
      });
    }
    for (const fk of metadata.foreignKeys) {
      const [refSchema, refTable] = splitPath(fk.referencedTablePath, this.dialect === 'sqlite' ? 'main' : this.dataSource.options.schema ?? 'public');
      table.foreignKeys.push({
        name: fk.name,
        columns: fk.columnNames,
        referencedSchema: this.dialect === 'sqlite' ? 'main' : refSchema,
        referencedTable: refTable,
        referencedColumns: fk.referencedColumnNames,
        onDelete: action(fk.onDelete),
        onUpdate: action(fk.onUpdate),
      });
    }
    for (const check of metadata.checks) table.checks.push({ name: check.name, expression: check.expression });
    sortTable(table);
    this.schema.tables.push(table);
  }

  addProblem(problem: RelationProblem): void {
    const owner = typeof problem.relation.target === 'function' ? problem.relation.target.name : String(problem.relation.target);
    const classAt = this.finder.find(new RegExp(`\\bclass\\s+${escapeRegExp(owner)}\\b`));
    const at = (classAt && this.finder.find(new RegExp(`\\b${escapeRegExp(problem.relation.propertyName)}\\s*[!?]?\\s*:`), classAt)) ?? classAt;
    const where = `${owner}.${problem.relation.propertyName}`;
    this.issues.push(
      problem.kind === 'model.unregistered'
        ? {
            kind: 'model.unregistered',
            message: `${where} → ${problem.target}: entity ${problem.target} is not registered in the DataSource, so the relation fails at the first query`,
            location: at ? location(at) : this.finder.fallback(),
            hint: `Add ${problem.target} to the DataSource's entities.`,
          }
        : {
            kind: 'relation.unknown-model',
            message: `${where} → ${problem.target}: ${unknownTarget(problem)}`,
            location: at ? location(at) : this.finder.fallback(),
            hint: 'Point the relation at an @Entity() class registered in the DataSource.',
          },
    );
  }

  finish(): Schema {
    const byName = (a: { schema: string; name: string }, b: { schema: string; name: string }) =>
      a.schema < b.schema ? -1 : a.schema > b.schema ? 1 : a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
    this.schema.tables.sort(byName);
    this.schema.enums = [...this.enums.values()].sort(byName);
    return this.schema;
  }

  private declarationOf(metadata: EntityMetadataLike, all: EntityMetadataLike[]): FoundDeclaration | undefined {
    const name = typeof metadata.target === 'function' ? metadata.target.name : null;
    if (metadata.tableType === 'junction') {
      // A junction table is declared by the @JoinTable() property of its owner.
      for (const owner of all) {
        if (typeof owner.target !== 'function') continue;
        const relation = (owner as unknown as { manyToManyRelations: Array<{ junctionEntityMetadata?: EntityMetadataLike; propertyName: string }> }).manyToManyRelations?.find((r) => r.junctionEntityMetadata === metadata);
        if (!relation) continue;
        const classAt = this.finder.find(new RegExp(`\\bclass\\s+${escapeRegExp(owner.target.name)}\\b`));
        return (classAt && this.finder.find(new RegExp(`\\b${escapeRegExp(relation.propertyName)}\\s*[!?]?\\s*:`), classAt)) ?? classAt;
      }
      return undefined;
    }
    if (!name) return undefined;
    const found = this.finder.find(new RegExp(`\\bclass\\s+${escapeRegExp(name)}\\b`));
    if (found) found.end = this.finder.find(/\bclass\s+[A-Za-z_$]/, { ...found, offset: found.offset + found.groups[0]!.length })?.offset;
    return found;
  }

  private column(table: Table, column: ColumnMetadataLike, soleKey: boolean): Column {
    const options = this.tableUtils.createTableColumnOptions(column, this.dataSource.driver);
    const driver = this.dataSource.driver;
    let type: string;
    let defaultValue = options.default ?? null;
    let identity: Column['identity'] = null;
    let autoincrement = false;
    if (this.dialect === 'postgres') {
      if (options.isGenerated && options.generationStrategy === 'increment') {
        type = serialBase(serialName(options.type)) ?? options.type;
        defaultValue = serialDefault(table, options.name);
      } else if (options.isGenerated && options.generationStrategy === 'identity') {
        type = driver.createFullType(options);
        identity = options.generatedIdentity === 'ALWAYS' ? 'always' : 'by default';
      } else if (options.type === 'enum' || options.type === 'simple-enum') {
        const name = options.enumName ?? `${table.name}_${options.name.toLowerCase()}_enum`;
        const key = `${table.schema}.${name}`;
        if (!this.enums.has(key)) this.enums.set(key, { schema: table.schema, name, values: options.enum ?? [] });
        type = table.schema === 'public' ? name : `${table.schema}.${name}`;
      } else {
        type = driver.createFullType(options);
      }
      if (options.isArray) type += '[]';
      if (options.isGenerated && options.generationStrategy === 'uuid' && defaultValue === null) defaultValue = driver.uuidGenerator ?? 'uuid_generate_v4()';
    } else {
      type = driver.createFullType(options);
      autoincrement = options.isGenerated === true && options.generationStrategy === 'increment';
      if (options.enum && !options.isArray) {
        // TypeORM writes a SQLite enum as varchar with an inline CHECK.
        table.checks.push({ name: null, expression: `"${options.name}" IN (${options.enum.map((v) => `'${v.replace(/'/g, "''")}'`).join(',')})` });
      }
      if (options.isGenerated && options.generationStrategy === 'uuid') this.notes.push(`${table.name}.${options.name}: the uuid is generated by TypeORM on insert; SQLite has no default for it`);
    }
    const generated = options.asExpression && (this.dialect === 'sqlite' || options.generatedType === 'STORED') ? options.asExpression : null;
    return neutralColumn(this.dialect, {
      name: options.name,
      type,
      nullable: options.isNullable === true,
      default: generated ? null : defaultValue,
      identity,
      generated,
      autoincrement,
      soleKey,
    });
  }
}

function unknownTarget(problem: RelationProblem): string {
  if (problem.target === 'undefined') return 'the relation names no class (undefined when the module loads: a renamed or circular import)';
  if (typeof problem.relation.type === 'string') return `no entity is named ${problem.target}`;
  return `${problem.target} is not an entity (no @Entity())`;
}

/** `int4` and `int` generate SERIAL too. */
function serialName(type: string): string {
  const t = type.toLowerCase();
  if (t === 'integer' || t === 'int' || t === 'int4') return 'serial';
  if (t === 'bigint' || t === 'int8') return 'bigserial';
  if (t === 'smallint' || t === 'int2') return 'smallserial';
  return t;
}

function splitPath(path: string, defaultSchema: string): [string, string] {
  const dot = path.indexOf('.');
  return dot === -1 ? [defaultSchema, path] : [path.slice(0, dot), path.slice(dot + 1)];
}

function location(found: ModelLocation): ModelLocation {
  return { file: found.file, line: found.line };
}

function action(value: string | undefined): ReferentialAction {
  const v = (value ?? 'no action').toLowerCase();
  return (['no action', 'restrict', 'cascade', 'set null', 'set default'] as const).find((a) => a === v) ?? 'no action';
}
