import type { DefaultPrivilege, Grant, Schema } from '../../core/model.js';
import { grantSql, revokeSql } from './postgres-ddl.js';

/**
 * What an object that a fix or plan creates (or drops and creates again) is given, so
 * that its privileges end as the expected schema has them. On creation PostgreSQL gives
 * PUBLIC `EXECUTE` on a function and `USAGE` on a type, plus what the creating role's
 * default privileges (`ALTER DEFAULT PRIVILEGES`) give: the server's, read from `actual`.
 * What that gives and the expected schema does not is revoked; the expected grants are
 * given.
 */

type Created = { schema: string; name: string; arguments?: string };
type ObjectType = Grant['objectType'];

const DEFAULTS_FOR: Partial<Record<ObjectType, DefaultPrivilege['objectType']>> = { table: 'tables', view: 'tables', sequence: 'sequences', function: 'functions', procedure: 'functions', type: 'types' };
const BUILT_IN: Partial<Record<ObjectType, string>> = { function: 'EXECUTE', procedure: 'EXECUTE', type: 'USAGE' };

/**
 * The REVOKEs and GRANTs for `object` just created on the server `actual` describes.
 * Nothing is revoked when `expected` did not read privileges of that kind (an ORM's
 * models, an older snapshot); the grants then come from `actual` (what the object had).
 *
 * @example
 * privilegesOfCreatedSql(expected, actual, { schema: 'public', name: 'room_capacity', arguments: 'p_room integer' }, 'function')
 * // → ['REVOKE EXECUTE ON FUNCTION "room_capacity"(p_room integer) FROM PUBLIC;', 'GRANT EXECUTE ON FUNCTION "room_capacity"(p_room integer) TO "reporting";']
 */
export function privilegesOfCreatedSql(expected: Schema, actual: Schema, object: Created, kind: ObjectType | 'aggregate'): string[] {
  // Privileges on aggregates are not read (their grants stay as PostgreSQL sets them).
  if (kind === 'aggregate') return [];
  const objectType: ObjectType = kind;
  const relation = objectType === 'table' || objectType === 'view' || objectType === 'sequence';
  // Grants on functions and types were read only by sources that read default privileges.
  const read = expected.grants !== undefined && (relation || expected.defaultPrivileges !== undefined);
  const source = read ? expected.grants! : relation ? (actual.grants ?? []) : [];
  const same = (g: Grant) =>
    (g.objectType === objectType || (relation && g.objectType !== 'sequence' && objectType !== 'sequence' && RELATIONS.has(g.objectType))) &&
    g.schema === object.schema &&
    g.name === object.name &&
    (g.arguments ?? '') === (object.arguments ?? '');
  const wanted = source.filter(same);
  const given = read ? implied(actual, object, objectType) : [];
  const key = (g: { grantee: string; privilege: string; column?: string }) => `${g.column ?? ''}\u0000${g.grantee}\u0000${g.privilege}`;
  const wantedKeys = new Set(wanted.map(key));
  const givenKeys = new Set(given.map((g) => `${g.grantee}\u0000${g.privilege}`).map((k) => `\u0000${k}`));
  const base = { schema: object.schema, name: object.name, objectType, ...(object.arguments !== undefined && !relation && objectType !== 'type' ? { arguments: object.arguments } : {}), grantable: false };
  return [
    ...given.filter((g) => !wantedKeys.has(key(g))).map((g) => revokeSql({ ...base, grantee: g.grantee, privilege: g.privilege })),
    ...wanted.filter((g) => g.grantable || !givenKeys.has(key(g))).map(grantSql),
  ];
}

const RELATIONS = new Set<ObjectType>(['table', 'view']);

/** The privileges (grantee, privilege) PostgreSQL and the connecting role's default privileges on `actual` give a new object. */
function implied(actual: Schema, object: Created, objectType: ObjectType): Array<{ grantee: string; privilege: string }> {
  const kind = DEFAULTS_FOR[objectType];
  const defaults = (actual.defaultPrivileges ?? []).filter((d) => d.role === null && d.objectType === kind);
  const out: Array<{ grantee: string; privilege: string }> = [];
  const builtIn = BUILT_IN[objectType];
  if (builtIn && !defaults.some((d) => d.revoked && d.grantee === 'PUBLIC' && d.privilege === builtIn)) out.push({ grantee: 'PUBLIC', privilege: builtIn });
  for (const d of defaults) if (!d.revoked && (d.schema === null || d.schema === object.schema)) out.push({ grantee: d.grantee, privilege: d.privilege });
  return out;
}
