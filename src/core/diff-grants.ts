/**
 * Privileges (opt-in, `DiffOptions.grants`): each privilege granted on a relation or one
 * of its columns, a schema, a function or procedure, or a type is one object, keyed by
 * (object, column or arguments, grantee, privilege, grant option). A grant that differs only in `WITH GRANT OPTION` is one change: missing when
 * the option is expected (its fix grants it with the option), extra when only the live
 * side has it (its fix revokes the option alone).
 */
import { change, qualified } from './diff-helpers.js';
import type { DefaultPrivilege, Grant } from './model.js';
import type { SchemaChange } from './schema-change.js';

export function grantKey(g: Grant): string {
  return `${privilegeKey(g)}\u0000${g.grantable ? 'g' : ''}`;
}

function privilegeKey(g: Grant): string {
  return [g.objectType === 'view' ? 'table' : g.objectType, g.schema, g.name, g.column ?? '', g.arguments ?? '', g.grantee, g.privilege].join('\u0000');
}

/** `table orders`, `column orders.email`, `sequence orders_id_seq`, `view recent_orders`, `schema billing`, `function invoice_total(p_invoice integer)`. */
export function grantTarget(g: Grant): string {
  if (g.column !== undefined) return `column ${qualified(g)}.${g.column}`;
  if (g.objectType === 'schema') return `schema ${g.name}`;
  if (g.objectType === 'function' || g.objectType === 'procedure') return `${g.objectType} ${qualified(g)}(${g.arguments ?? ''})`;
  return `${g.objectType} ${qualified(g)}`;
}

/** The grants on relations: all that a source without `defaultPrivileges` (a snapshot older than the others) read. */
const RELATION_GRANTS = new Set<Grant['objectType']>(['table', 'view', 'sequence']);

function privilegeText(g: Grant): string {
  return `${g.privilege}${g.grantable ? ' WITH GRANT OPTION' : ''}`;
}

function roleText(g: { grantee: string }): string {
  return g.grantee === 'PUBLIC' ? 'PUBLIC' : `role ${g.grantee}`;
}

/**
 * Compares the two sides' privileges. `liveRoles`: the role names of the actual server,
 * when read; a missing grant to a role it does not have says so (its fix cannot run
 * until the role is created).
 */
export function diffGrants(expected: Grant[], actual: Grant[], liveRoles: string[] | undefined, changes: SchemaChange[], relationsOnly = false): void {
  if (relationsOnly) {
    expected = expected.filter((g) => RELATION_GRANTS.has(g.objectType));
    actual = actual.filter((g) => RELATION_GRANTS.has(g.objectType));
  }
  const live = new Set(actual.map(grantKey));
  const wanted = new Set(expected.map(grantKey));
  const liveGrantable = new Set(actual.filter((g) => g.grantable).map(privilegeKey));
  const wantedGrantable = new Set(expected.filter((g) => g.grantable).map(privilegeKey));
  const roles = liveRoles ? new Set(liveRoles) : undefined;
  for (const g of expected) {
    if (live.has(grantKey(g)) || (!g.grantable && liveGrantable.has(privilegeKey(g)))) continue;
    const absent = missingRole(roles, g.grantee);
    changes.push(change('grant.missing', g, {
      ...(g.column !== undefined ? { column: g.column } : {}),
      name: `${g.grantee} ${g.privilege}`,
      expected: g,
      actual: null,
      message: `${grantTarget(g)}: ${roleText(g)} lacks ${privilegeText(g)} (expected by the schema)${absent}`,
    }));
  }
  for (const g of actual) {
    if (wanted.has(grantKey(g)) || (!g.grantable && wantedGrantable.has(privilegeKey(g)))) continue;
    changes.push(change('grant.extra', g, {
      ...(g.column !== undefined ? { column: g.column } : {}),
      name: `${g.grantee} ${g.privilege}`,
      expected: null,
      actual: g,
      message: `${grantTarget(g)}: ${roleText(g)} has ${privilegeText(g)}, which the schema does not grant`,
    }));
  }
}

function missingRole(roles: Set<string> | undefined, role: string | null): string {
  return roles && role !== null && role !== 'PUBLIC' && !roles.has(role) ? `; role ${role} does not exist on this server: create it first` : '';
}

function defaultKey(d: DefaultPrivilege): string {
  return [d.role ?? '', d.schema ?? '', d.objectType, d.grantee, d.privilege, d.grantable ? 'g' : '', d.revoked ? 'r' : ''].join('\u0000');
}

/** `default privileges for role app in schema billing: new tables` (no `for role` for the connecting role, no `in schema` for all). */
export function defaultPrivilegeTarget(d: DefaultPrivilege): string {
  return `default privileges${d.role !== null ? ` for role ${d.role}` : ''}${d.schema !== null ? ` in schema ${d.schema}` : ''}: new ${d.objectType}`;
}

/**
 * Compares `ALTER DEFAULT PRIVILEGES`. Each privilege is one object; a revoked built-in
 * default (PUBLIC's EXECUTE on new functions) is one too, missing when the schema revokes
 * it and the database does not.
 */
export function diffDefaultPrivileges(expected: DefaultPrivilege[], actual: DefaultPrivilege[], liveRoles: string[] | undefined, changes: SchemaChange[]): void {
  const live = new Set(actual.map(defaultKey));
  const wanted = new Set(expected.map(defaultKey));
  const roles = liveRoles ? new Set(liveRoles) : undefined;
  const owner = (d: DefaultPrivilege) => ({ schema: d.schema ?? 'public', name: d.objectType });
  const who = (d: DefaultPrivilege) => `${roleText(d)} ${d.privilege}${d.grantable ? ' WITH GRANT OPTION' : ''}`;
  for (const d of expected) {
    if (live.has(defaultKey(d))) continue;
    const absent = missingRole(roles, d.grantee) || missingRole(roles, d.role);
    const message = d.revoked
      ? `${defaultPrivilegeTarget(d)} give ${who(d)}, which the schema revokes`
      : `${defaultPrivilegeTarget(d)} do not give ${who(d)} (expected by the schema)${absent}`;
    changes.push(change('default-privilege.missing', owner(d), { name: `${d.grantee} ${d.privilege}`, expected: d, actual: null, message }));
  }
  for (const d of actual) {
    if (wanted.has(defaultKey(d))) continue;
    const message = d.revoked
      ? `${defaultPrivilegeTarget(d)} do not give ${who(d)}, which PostgreSQL gives by default and the schema does not revoke`
      : `${defaultPrivilegeTarget(d)} give ${who(d)}, which the schema does not grant`;
    changes.push(change('default-privilege.extra', owner(d), { name: `${d.grantee} ${d.privilege}`, expected: null, actual: d, message }));
  }
}
