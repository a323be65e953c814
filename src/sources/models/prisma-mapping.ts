/**
 * Prisma's DMMF → lockstep's neutral schema, following the DDL Prisma's schema engine
 * writes (`prisma migrate diff --from-empty --to-schema … --script`): table and column
 * names after `@@map`/`@map`, types per provider and `@db.*`, defaults that reach the
 * database, primary keys, unique and plain indexes, foreign keys with Prisma's default
 * referential actions, implicit many-to-many join tables, and Prisma's generated names
 * for all of them. Pure: no I/O.
 */
import { emptySchema, type Column, type DialectName, type ForeignKey, type Index, type ReferentialAction, type Schema, type Table } from '../../core/model.js';
import type { DmmfDatamodel, DmmfField, DmmfIndex, DmmfModel } from './prisma-dmmf.js';
import { prismaColumnType, prismaDefault, quoteIdentIfNeeded } from './prisma-types.js';
import type { ModelIssue, ModelLocation } from './model-source.js';

export interface PrismaMappingInput {
  datamodel: DmmfDatamodel;
  dialect: DialectName;
  /** `User.author` → `map:` name of the foreign key (the DMMF does not carry it). */
  foreignKeyNames: Map<string, string>;
  /** `prisma`: Prisma emulates relations, the database has no foreign keys. */
  relationMode: string | undefined;
  /** `model:User`, `field:User.email`, `enum:Role` → where it is declared. */
  locate: (key: string) => ModelLocation;
}

export interface PrismaMapping {
  schema: Schema;
  /** `schema.table` and `schema.table.column` → declaration. */
  locations: Map<string, ModelLocation>;
  notes: string[];
  issues: ModelIssue[];
}

/** Identifier length limits Prisma's generated names are cut to (PostgreSQL's NAMEDATALEN - 1). */
const NAME_LIMIT: Record<DialectName, number> = { postgres: 63, sqlite: 10_000 };

const ACTIONS: Record<string, ReferentialAction> = {
  Cascade: 'cascade',
  Restrict: 'restrict',
  NoAction: 'no action',
  SetNull: 'set null',
  SetDefault: 'set default',
};

const METHODS: Record<string, string> = { BTree: 'btree', Hash: 'hash', Gist: 'gist', Gin: 'gin', SpGist: 'spgist', Brin: 'brin' };

/**
 * @example
 * const { schema } = mapPrismaDatamodel({ datamodel, dialect: 'postgres', foreignKeyNames: new Map(), relationMode: undefined, locate });
 */
export function mapPrismaDatamodel(input: PrismaMappingInput): PrismaMapping {
  const { datamodel, dialect, locate } = input;
  const schema = emptySchema(dialect);
  const locations = new Map<string, ModelLocation>();
  const notes: string[] = [];
  const issues: ModelIssue[] = [];
  const defaultSchema = dialect === 'postgres' ? 'public' : 'main';
  const limit = NAME_LIMIT[dialect];
  const models = new Map(datamodel.models.map((m) => [m.name, m]));
  const tableName = (m: DmmfModel) => m.dbName ?? m.name;
  const namespace = (m: { schema?: string | null }) => (dialect === 'postgres' && m.schema ? m.schema : defaultSchema);
  const columnName = (f: DmmfField) => f.dbName ?? f.name;
  const enums = new Map(datamodel.enums.map((e) => [e.name, e]));
  const enumType = (name: string) => {
    const e = enums.get(name);
    const ns = e ? namespace(e) : defaultSchema;
    return `${ns === defaultSchema ? '' : `${quoteIdentIfNeeded(ns)}.`}${quoteIdentIfNeeded(e?.dbName ?? name)}`;
  };

  if (dialect === 'postgres') {
    for (const e of datamodel.enums) schema.enums.push({ schema: namespace(e), name: e.dbName ?? e.name, values: e.values.map((v) => v.dbName ?? v.name) });
  }

  const indexesOf = new Map<string, DmmfIndex[]>();
  for (const index of datamodel.indexes ?? []) {
    const list = indexesOf.get(index.model);
    if (list) list.push(index);
    else indexesOf.set(index.model, [index]);
  }

  const tables = new Map<string, Table>();
  for (const model of datamodel.models) {
    const table: Table = { schema: namespace(model), name: tableName(model), columns: [], primaryKey: null, uniques: [], foreignKeys: [], indexes: [], checks: [], triggers: [] };
    tables.set(model.name, table);
    locations.set(`${table.schema}.${table.name}`, locate(`model:${model.name}`));
    const fieldsByName = new Map(model.fields.map((f) => [f.name, f]));
    const dbNames = (names: string[]) => names.map((n) => columnName(fieldsByName.get(n) ?? ({ name: n } as DmmfField)));
    const idFields = primaryKeyFields(model, indexesOf.get(model.name));

    for (const field of model.fields) {
      if (field.kind !== 'scalar' && field.kind !== 'enum') continue;
      const where = locate(`field:${model.name}.${field.name}`);
      const type = prismaColumnType(field, dialect, enumType);
      if (type === undefined) {
        issues.push({
          kind: 'model.invalid',
          message: `${model.name}.${field.name}: lockstep does not know the native type @db.${field.nativeType?.[0] ?? field.type} on ${dialect}`,
          location: where,
          hint: 'Report it to lockstep, or compare this table with a schema.sql until it is supported.',
        });
        continue;
      }
      const dflt = prismaDefault(field.default, field, dialect, type);
      const column: Column = {
        name: columnName(field),
        type,
        typeParts: typeParts(type, dialect),
        // Prisma writes scalar lists without NOT NULL.
        nullable: !field.isRequired || field.isList,
        default: dflt.default,
        identity: null,
        generated: null,
      };
      if (dflt.serial) column.default = `nextval('${sequenceName(table, column.name, defaultSchema)}'::regclass)`;
      // SQLite: a sole Int id is always INTEGER PRIMARY KEY AUTOINCREMENT in Prisma's DDL.
      if (dialect === 'sqlite' && idFields.length === 1 && idFields[0] === field.name && field.type === 'Int' && !field.isList) column.autoincrement = true;
      else if (dflt.autoincrement) column.autoincrement = true;
      if (dflt.clientSide) notes.push(`${model.name}.${field.name}: @default(${dflt.clientSide}) is set by Prisma Client, not by the database; not compared`);
      if (field.isUpdatedAt) notes.push(`${model.name}.${field.name}: @updatedAt is set by Prisma Client, not by the database; not compared`);
      table.columns.push(column);
      locations.set(`${table.schema}.${table.name}.${column.name}`, where);
    }

    if (idFields.length > 0) {
      const id = (indexesOf.get(model.name) ?? []).find((i) => i.type === 'id');
      table.primaryKey = {
        name: dialect === 'sqlite' ? null : (id?.dbName ?? truncate(table.name, '_pkey', limit)),
        columns: dbNames(idFields),
      };
    }
    for (const index of indexesOf.get(model.name) ?? []) {
      if (index.type !== 'unique' && index.type !== 'normal') continue;
      const columns = dbNames(index.fields.map((f) => f.name));
      const suffix = index.type === 'unique' ? '_key' : '_idx';
      table.indexes.push({
        name: index.dbName ?? truncate(`${table.name}_${columns.join('_')}`, suffix, limit),
        unique: index.type === 'unique',
        keys: index.fields.map((f, i) => ({ column: columns[i]!, expression: null, descending: f.sortOrder === 'desc' })),
        where: null,
        method: dialect === 'postgres' ? (METHODS[index.algorithm ?? 'BTree'] ?? index.algorithm!.toLowerCase()) : 'btree',
      });
    }
  }

  if (input.relationMode === 'prisma') {
    notes.push('relationMode = "prisma": Prisma emulates relations in the client and the database has no foreign keys; none are expected');
  } else {
    for (const model of datamodel.models) {
      const table = tables.get(model.name)!;
      const fieldsByName = new Map(model.fields.map((f) => [f.name, f]));
      for (const field of model.fields) {
        if (field.kind !== 'object' || !field.relationFromFields?.length) continue;
        const target = models.get(field.type);
        if (!target) continue; // Prisma's own validation reports it.
        const targetFields = new Map(target.fields.map((f) => [f.name, f]));
        const columns = field.relationFromFields.map((n) => columnName(fieldsByName.get(n) ?? ({ name: n } as DmmfField)));
        const optional = field.relationFromFields.every((n) => !(fieldsByName.get(n)?.isRequired ?? true));
        table.foreignKeys.push({
          name: input.foreignKeyNames.get(`${model.name}.${field.name}`) ?? truncate(`${table.name}_${columns.join('_')}`, '_fkey', limit),
          columns,
          referencedSchema: namespace(target),
          referencedTable: tableName(target),
          referencedColumns: (field.relationToFields ?? []).map((n) => columnName(targetFields.get(n) ?? ({ name: n } as DmmfField))),
          onDelete: ACTIONS[field.relationOnDelete ?? (optional ? 'SetNull' : 'Restrict')] ?? 'restrict',
          onUpdate: ACTIONS[field.relationOnUpdate ?? 'Cascade'] ?? 'cascade',
        });
      }
    }
  }

  for (const join of implicitManyToMany(datamodel)) {
    const [a, b] = [models.get(join.a)!, models.get(join.b)!];
    const idA = primaryKeyFields(a, indexesOf.get(a.name));
    const idB = primaryKeyFields(b, indexesOf.get(b.name));
    if (idA.length !== 1 || idB.length !== 1) continue; // Prisma's validation requires a single-field id.
    const colA = tables.get(a.name)!.columns.find((c) => c.name === columnName(a.fields.find((f) => f.name === idA[0])!));
    const colB = tables.get(b.name)!.columns.find((c) => c.name === columnName(b.fields.find((f) => f.name === idB[0])!));
    if (!colA || !colB) continue;
    const name = `_${join.relation}`;
    const joinColumn = (n: string, from: Column): Column => ({ name: n, type: from.type, typeParts: { ...from.typeParts }, nullable: false, default: null, identity: null, generated: null });
    const fk = (column: 'A' | 'B', target: DmmfModel, targetColumn: Column): ForeignKey => ({
      name: truncate(`${name}_${column}`, '_fkey', limit),
      columns: [column],
      referencedSchema: namespace(target),
      referencedTable: tableName(target),
      referencedColumns: [targetColumn.name],
      onDelete: 'cascade',
      onUpdate: 'cascade',
    });
    const byB: Index = { name: truncate(`${name}_B`, '_index', limit), unique: false, keys: [{ column: 'B', expression: null, descending: false }], where: null, method: 'btree' };
    const table: Table = {
      schema: namespace(a),
      name,
      columns: [joinColumn('A', colA), joinColumn('B', colB)],
      // PostgreSQL gets a primary key (A, B); SQLite a unique index, as Prisma writes them.
      primaryKey: dialect === 'postgres' ? { name: truncate(`${name}_AB`, '_pkey', limit), columns: ['A', 'B'] } : null,
      uniques: [],
      foreignKeys: input.relationMode === 'prisma' ? [] : [fk('A', a, colA), fk('B', b, colB)],
      indexes:
        dialect === 'postgres'
          ? [byB]
          : [{ name: truncate(`${name}_AB`, '_unique', limit), unique: true, keys: ['A', 'B'].map((c) => ({ column: c, expression: null, descending: false })), where: null, method: 'btree' }, byB],
      checks: [],
      triggers: [],
    };
    tables.set(`${name}\u0000join`, table);
    const where = locate(`field:${a.name}.${join.fieldOfA}`);
    locations.set(`${table.schema}.${name}`, where);
    locations.set(`${table.schema}.${name}.A`, where);
    locations.set(`${table.schema}.${name}.B`, locate(`field:${b.name}.${join.fieldOfB}`));
  }

  schema.tables = [...tables.values()].sort(bySchemaAndName);
  schema.enums.sort(bySchemaAndName);
  for (const table of schema.tables) {
    table.indexes.sort(byName);
    table.foreignKeys.sort(byName);
  }
  return { schema, locations, notes: [...new Set(notes)], issues };
}

/** Field names of a model's primary key (`@id` or `@@id`). */
function primaryKeyFields(model: DmmfModel, indexes: DmmfIndex[] | undefined): string[] {
  if (model.primaryKey) return model.primaryKey.fields;
  const id = indexes?.find((i) => i.type === 'id');
  if (id) return id.fields.map((f) => f.name);
  return model.fields.filter((f) => f.isId).map((f) => f.name);
}

interface ImplicitJoin {
  relation: string;
  /** Model names in Prisma's order: A sorts first. */
  a: string;
  b: string;
  fieldOfA: string;
  fieldOfB: string;
}

/** Relations where both sides are lists without `fields`: Prisma's implicit `_AToB` tables. */
function implicitManyToMany(datamodel: DmmfDatamodel): ImplicitJoin[] {
  const sides = new Map<string, Array<{ model: string; field: DmmfField }>>();
  for (const model of datamodel.models) {
    for (const field of model.fields) {
      if (field.kind !== 'object' || !field.relationName) continue;
      const list = sides.get(field.relationName);
      if (list) list.push({ model: model.name, field });
      else sides.set(field.relationName, [{ model: model.name, field }]);
    }
  }
  const joins: ImplicitJoin[] = [];
  for (const [relation, pair] of sides) {
    if (pair.length !== 2 || !pair.every((s) => s.field.isList && !s.field.relationFromFields?.length)) continue;
    const [first, second] = [...pair].sort((x, y) => (x.model < y.model ? -1 : x.model > y.model ? 1 : x.field.name < y.field.name ? -1 : 1));
    joins.push({ relation, a: first!.model, b: second!.model, fieldOfA: first!.field.name, fieldOfB: second!.field.name });
  }
  return joins.sort((x, y) => (x.relation < y.relation ? -1 : 1));
}

/** Prisma's ConstraintNames: the prefix is cut so prefix + suffix fits the identifier limit. */
function truncate(prefix: string, suffix: string, limit: number): string {
  const room = limit - suffix.length;
  return `${Buffer.byteLength(prefix) >= room ? cutBytes(prefix, room) : prefix}${suffix}`;
}

function cutBytes(text: string, bytes: number): string {
  let out = '';
  let used = 0;
  for (const ch of text) {
    const size = Buffer.byteLength(ch);
    if (used + size > bytes) break;
    out += ch;
    used += size;
  }
  return out;
}

/** The sequence PostgreSQL creates for a serial column, as `regclass` prints it. */
function sequenceName(table: Table, column: string, defaultSchema: string): string {
  const name = quoteIdentIfNeeded(`${table.name}_${column}_seq`);
  return table.schema === defaultSchema ? name : `${quoteIdentIfNeeded(table.schema)}.${name}`;
}

const LENGTH_TYPES = new Set(['character varying', 'character', 'bit', 'bit varying', 'varchar', 'char']);

/** Splits a canonical type into the model's parts (both dialects' spellings). */
export function typeParts(type: string, _dialect: DialectName): Column['typeParts'] {
  let text = type;
  let arrayDimensions = 0;
  while (text.endsWith('[]')) {
    arrayDimensions++;
    text = text.slice(0, -2);
  }
  const match = /^(.*?)\((\d+)(?:,(\d+))?\)(.*)$/.exec(text);
  if (!match) return { base: text, length: null, precision: null, scale: null, arrayDimensions };
  const base = `${match[1]!}${match[4]!}`.trim();
  if (LENGTH_TYPES.has(base)) return { base, length: Number(match[2]), precision: null, scale: null, arrayDimensions };
  return { base, length: null, precision: Number(match[2]), scale: match[3] === undefined ? null : Number(match[3]), arrayDimensions };
}

function bySchemaAndName(a: { schema: string; name: string }, b: { schema: string; name: string }): number {
  return a.schema < b.schema ? -1 : a.schema > b.schema ? 1 : a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

function byName(a: { name: string | null }, b: { name: string | null }): number {
  const [x, y] = [a.name ?? '', b.name ?? ''];
  return x < y ? -1 : x > y ? 1 : 0;
}
