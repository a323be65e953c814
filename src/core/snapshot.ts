/**
 * The JSON snapshot format written by `lockstep snapshot` and read back as a schema source:
 *
 * ```json
 * { "lockstep": "schema-snapshot", "version": 1, "dialect": "postgres", "schema": { …Schema… } }
 * ```
 *
 * Reading validates the shape and says where a hand-edited or truncated file is wrong
 * (`shop.json: schema.tables[3].columns[0].nullable: expected a boolean, found "yes"`).
 */
import { LockstepError } from './errors.js';
import type { DialectName, Schema } from './model.js';

export const SNAPSHOT_MARKER = 'schema-snapshot';
export const SNAPSHOT_VERSION = 1;

export interface SchemaSnapshot {
  lockstep: typeof SNAPSHOT_MARKER;
  version: typeof SNAPSHOT_VERSION;
  dialect: DialectName;
  schema: Schema;
}

/**
 * Serializes a schema as a snapshot (stable: the model's lists are already sorted).
 *
 * @example
 * writeFileSync('schema.json', formatSnapshot(await dialect.introspect(db)));
 */
export function formatSnapshot(schema: Schema): string {
  // The server's role names describe the server, not the schema: a snapshot leaves them out.
  const { roles: _serverRoles, ...kept } = schema;
  const snapshot: SchemaSnapshot = { lockstep: SNAPSHOT_MARKER, version: SNAPSHOT_VERSION, dialect: schema.dialect, schema: kept };
  return `${JSON.stringify(snapshot, null, 2)}\n`;
}

/**
 * Parses and validates a snapshot; `file` is only used in messages.
 *
 * @example
 * const schema = parseSnapshot(readFileSync('schema.json', 'utf8'), 'schema.json');
 */
export function parseSnapshot(text: string, file: string): Schema {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new LockstepError(`${file}: not valid JSON (${(error as Error).message})`, { hint: 'Write it again with lockstep snapshot --out FILE.' });
  }
  const fail = (path: string, expected: string, found: unknown): never => {
    throw new LockstepError(`${file}: ${path}: expected ${expected}, found ${describe(found)}`, {
      hint: 'The file is not a lockstep schema snapshot, or was edited by hand; write it again with lockstep snapshot --out FILE.',
    });
  };
  const v = new Validator(fail);
  const root = v.object(data, '(top level)');
  if (root.lockstep !== SNAPSHOT_MARKER) fail('lockstep', `"${SNAPSHOT_MARKER}"`, root.lockstep);
  if (root.version !== SNAPSHOT_VERSION) {
    if (typeof root.version === 'number' && root.version > SNAPSHOT_VERSION) {
      throw new LockstepError(`${file}: snapshot format version ${root.version} is newer than this lockstep understands (${SNAPSHOT_VERSION})`, { hint: 'Upgrade lockstep.' });
    }
    fail('version', String(SNAPSHOT_VERSION), root.version);
  }
  const dialect = v.oneOf(root.dialect, 'dialect', ['postgres', 'sqlite']) as DialectName;
  const schema = v.object(root.schema, 'schema');
  if (schema.dialect !== dialect) fail('schema.dialect', `"${dialect}" (as the top-level dialect)`, schema.dialect);
  v.array(schema.tables, 'schema.tables').forEach((t, i) => validateTable(v, t, `schema.tables[${i}]`));
  v.array(schema.enums, 'schema.enums').forEach((e, i) => {
    const p = `schema.enums[${i}]`;
    const o = v.object(e, p);
    v.string(o.schema, `${p}.schema`);
    v.string(o.name, `${p}.name`);
    v.array(o.values, `${p}.values`).forEach((x, j) => v.string(x, `${p}.values[${j}]`));
  });
  v.array(schema.views, 'schema.views').forEach((e, i) => {
    const p = `schema.views[${i}]`;
    const o = v.object(e, p);
    v.string(o.schema, `${p}.schema`);
    v.string(o.name, `${p}.name`);
    v.string(o.definition, `${p}.definition`);
    v.boolean(o.materialized, `${p}.materialized`);
    if (o.triggers !== undefined) validateTriggers(v, o.triggers, `${p}.triggers`);
  });
  // Optional collections (absent in snapshots of older versions or other producers).
  if (schema.functions !== undefined) {
    v.array(schema.functions, 'schema.functions').forEach((f, i) => {
      const p = `schema.functions[${i}]`;
      const o = v.object(f, p);
      for (const field of ['schema', 'name', 'arguments', 'language', 'definition'] as const) v.string(o[field], `${p}.${field}`);
      v.oneOf(o.kind, `${p}.kind`, ['function', 'procedure', 'aggregate']);
      v.oneOf(o.volatility, `${p}.volatility`, ['immutable', 'stable', 'volatile']);
      v.oneOf(o.security, `${p}.security`, ['invoker', 'definer']);
    });
  }
  if (schema.sequences !== undefined) {
    v.array(schema.sequences, 'schema.sequences').forEach((x, i) => {
      const p = `schema.sequences[${i}]`;
      const o = v.object(x, p);
      for (const field of ['schema', 'name', 'type', 'start', 'increment', 'min', 'max'] as const) v.string(o[field], `${p}.${field}`);
      v.boolean(o.cycle, `${p}.cycle`);
      if (o.ownedBy !== null) for (const field of ['schema', 'table', 'column'] as const) v.string(v.object(o.ownedBy, `${p}.ownedBy`)[field], `${p}.ownedBy.${field}`);
    });
  }
  if (schema.extensions !== undefined) {
    v.array(schema.extensions, 'schema.extensions').forEach((x, i) => {
      const o = v.object(x, `schema.extensions[${i}]`);
      for (const field of ['name', 'schema', 'version'] as const) v.string(o[field], `schema.extensions[${i}].${field}`);
    });
  }
  if (schema.grants !== undefined) {
    v.array(schema.grants, 'schema.grants').forEach((x, i) => {
      const p = `schema.grants[${i}]`;
      const o = v.object(x, p);
      for (const field of ['schema', 'name', 'objectType', 'grantee', 'privilege'] as const) v.string(o[field], `${p}.${field}`);
      if (o.column !== undefined) v.string(o.column, `${p}.column`);
      if (o.arguments !== undefined) v.string(o.arguments, `${p}.arguments`);
      v.boolean(o.grantable, `${p}.grantable`);
    });
  }
  if (schema.defaultPrivileges !== undefined) {
    v.array(schema.defaultPrivileges, 'schema.defaultPrivileges').forEach((x, i) => {
      const p = `schema.defaultPrivileges[${i}]`;
      const o = v.object(x, p);
      v.nullableString(o.role, `${p}.role`);
      v.nullableString(o.schema, `${p}.schema`);
      for (const field of ['objectType', 'grantee', 'privilege'] as const) v.string(o[field], `${p}.${field}`);
      v.boolean(o.grantable, `${p}.grantable`);
      if (o.revoked !== undefined) v.boolean(o.revoked, `${p}.revoked`);
    });
  }
  if (schema.roles !== undefined) v.array(schema.roles, 'schema.roles').forEach((x, i) => v.string(x, `schema.roles[${i}]`));
  if (schema.domains !== undefined) {
    v.array(schema.domains, 'schema.domains').forEach((x, i) => {
      const p = `schema.domains[${i}]`;
      const o = v.object(x, p);
      for (const field of ['schema', 'name', 'type'] as const) v.string(o[field], `${p}.${field}`);
      v.nullableString(o.default, `${p}.default`);
      v.boolean(o.notNull, `${p}.notNull`);
      v.array(o.checks, `${p}.checks`).forEach((c, j) => {
        const k = v.object(c, `${p}.checks[${j}]`);
        v.string(k.name, `${p}.checks[${j}].name`);
        v.string(k.definition, `${p}.checks[${j}].definition`);
      });
    });
  }
  if (schema.compositeTypes !== undefined) {
    v.array(schema.compositeTypes, 'schema.compositeTypes').forEach((x, i) => {
      const p = `schema.compositeTypes[${i}]`;
      const o = v.object(x, p);
      v.string(o.schema, `${p}.schema`);
      v.string(o.name, `${p}.name`);
      v.array(o.attributes, `${p}.attributes`).forEach((a, j) => {
        const k = v.object(a, `${p}.attributes[${j}]`);
        v.string(k.name, `${p}.attributes[${j}].name`);
        v.string(k.type, `${p}.attributes[${j}].type`);
      });
    });
  }
  if (schema.virtualTables !== undefined) {
    v.array(schema.virtualTables, 'schema.virtualTables').forEach((e, i) => {
      const p = `schema.virtualTables[${i}]`;
      const o = v.object(e, p);
      for (const field of ['schema', 'name', 'module', 'arguments']) v.string(o[field], `${p}.${field}`);
    });
  }
  if (schema.notCompared !== undefined) {
    v.array(schema.notCompared, 'schema.notCompared').forEach((e, i) => {
      const p = `schema.notCompared[${i}]`;
      const o = v.object(e, p);
      for (const field of ['schema', 'name', 'type', 'reason']) v.string(o[field], `${p}.${field}`);
    });
  }
  return schema as unknown as Schema;
}

const ACTIONS = ['no action', 'restrict', 'cascade', 'set null', 'set default'];

function validateTable(v: Validator, value: unknown, p: string): void {
  const t = v.object(value, p);
  v.string(t.schema, `${p}.schema`);
  v.string(t.name, `${p}.name`);
  v.array(t.columns, `${p}.columns`).forEach((c, i) => {
    const q = `${p}.columns[${i}]`;
    const o = v.object(c, q);
    v.string(o.name, `${q}.name`);
    v.string(o.type, `${q}.type`);
    v.object(o.typeParts, `${q}.typeParts`);
    v.boolean(o.nullable, `${q}.nullable`);
    v.nullableString(o.default, `${q}.default`);
    if (o.identity !== null) v.oneOf(o.identity, `${q}.identity`, ['always', 'by default']);
    v.nullableString(o.generated, `${q}.generated`);
    if (o.collation !== undefined) v.nullableString(o.collation, `${q}.collation`);
  });
  if (t.primaryKey !== null) v.names(v.object(t.primaryKey, `${p}.primaryKey`).columns, `${p}.primaryKey.columns`);
  v.array(t.uniques, `${p}.uniques`).forEach((u, i) => v.names(v.object(u, `${p}.uniques[${i}]`).columns, `${p}.uniques[${i}].columns`));
  v.array(t.foreignKeys, `${p}.foreignKeys`).forEach((f, i) => {
    const q = `${p}.foreignKeys[${i}]`;
    const o = v.object(f, q);
    v.names(o.columns, `${q}.columns`);
    v.string(o.referencedSchema, `${q}.referencedSchema`);
    v.string(o.referencedTable, `${q}.referencedTable`);
    v.names(o.referencedColumns, `${q}.referencedColumns`);
    v.oneOf(o.onDelete, `${q}.onDelete`, ACTIONS);
    v.oneOf(o.onUpdate, `${q}.onUpdate`, ACTIONS);
  });
  v.array(t.indexes, `${p}.indexes`).forEach((x, i) => {
    const q = `${p}.indexes[${i}]`;
    const o = v.object(x, q);
    v.string(o.name, `${q}.name`);
    v.boolean(o.unique, `${q}.unique`);
    v.string(o.method, `${q}.method`);
    v.nullableString(o.where, `${q}.where`);
    v.array(o.keys, `${q}.keys`).forEach((k, j) => {
      const key = v.object(k, `${q}.keys[${j}]`);
      v.nullableString(key.column, `${q}.keys[${j}].column`);
      v.nullableString(key.expression, `${q}.keys[${j}].expression`);
      v.boolean(key.descending, `${q}.keys[${j}].descending`);
    });
  });
  v.array(t.checks, `${p}.checks`).forEach((c, i) => v.string(v.object(c, `${p}.checks[${i}]`).expression, `${p}.checks[${i}].expression`));
  validateTriggers(v, t.triggers, `${p}.triggers`);
  if (t.exclusions !== undefined) {
    v.array(t.exclusions, `${p}.exclusions`).forEach((x, i) => {
      const o = v.object(x, `${p}.exclusions[${i}]`);
      v.string(o.name, `${p}.exclusions[${i}].name`);
      v.string(o.definition, `${p}.exclusions[${i}].definition`);
    });
  }
  if (t.partitioning !== undefined && t.partitioning !== null) {
    const o = v.object(t.partitioning, `${p}.partitioning`);
    v.string(o.key, `${p}.partitioning.key`);
    v.array(o.partitions, `${p}.partitioning.partitions`).forEach((x, i) => {
      const q = `${p}.partitioning.partitions[${i}]`;
      const part = v.object(x, q);
      for (const field of ['schema', 'name', 'bound'] as const) v.string(part[field], `${q}.${field}`);
      // Its own objects have a table's shape (without columns and primary key).
      if (part.own !== undefined) validateTable(v, { ...v.object(part.own, `${q}.own`), schema: part.schema, name: part.name, columns: [], primaryKey: null }, `${q}.own`);
    });
  }
  if (t.rowSecurity !== undefined) {
    const o = v.object(t.rowSecurity, `${p}.rowSecurity`);
    v.boolean(o.enabled, `${p}.rowSecurity.enabled`);
    v.boolean(o.forced, `${p}.rowSecurity.forced`);
  }
  if (t.policies !== undefined) {
    v.array(t.policies, `${p}.policies`).forEach((x, i) => {
      const q = `${p}.policies[${i}]`;
      const o = v.object(x, q);
      v.string(o.name, `${q}.name`);
      v.oneOf(o.command, `${q}.command`, ['all', 'select', 'insert', 'update', 'delete']);
      v.boolean(o.permissive, `${q}.permissive`);
      v.names(o.roles, `${q}.roles`);
      v.nullableString(o.using, `${q}.using`);
      v.nullableString(o.withCheck, `${q}.withCheck`);
    });
  }
}

function validateTriggers(v: Validator, value: unknown, p: string): void {
  v.array(value, p).forEach((c, i) => {
    const o = v.object(c, `${p}[${i}]`);
    v.string(o.name, `${p}[${i}].name`);
    v.string(o.definition, `${p}[${i}].definition`);
    if (o.enabled !== undefined) v.oneOf(o.enabled, `${p}[${i}].enabled`, ['origin', 'always', 'replica', 'disabled']);
  });
}

class Validator {
  constructor(private readonly fail: (path: string, expected: string, found: unknown) => never) {}

  object(value: unknown, path: string): Record<string, unknown> {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) this.fail(path, 'an object', value);
    return value as Record<string, unknown>;
  }

  array(value: unknown, path: string): unknown[] {
    if (!Array.isArray(value)) this.fail(path, 'an array', value);
    return value as unknown[];
  }

  string(value: unknown, path: string): string {
    if (typeof value !== 'string') this.fail(path, 'a string', value);
    return value as string;
  }

  nullableString(value: unknown, path: string): void {
    if (value !== null && typeof value !== 'string') this.fail(path, 'a string or null', value);
  }

  boolean(value: unknown, path: string): void {
    if (typeof value !== 'boolean') this.fail(path, 'a boolean', value);
  }

  names(value: unknown, path: string): void {
    this.array(value, path).forEach((x, i) => this.string(x, `${path}[${i}]`));
  }

  oneOf(value: unknown, path: string, allowed: string[]): string {
    if (typeof value !== 'string' || !allowed.includes(value)) this.fail(path, `one of ${allowed.map((a) => `"${a}"`).join(', ')}`, value);
    return value as string;
  }
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (Array.isArray(value)) return 'an array';
  if (value === null) return 'null';
  if (typeof value === 'object') return 'an object';
  const text = JSON.stringify(value);
  return text.length > 40 ? `${text.slice(0, 40)}…` : text;
}
