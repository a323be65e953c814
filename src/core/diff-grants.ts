/**
 * Privileges (opt-in, `DiffOptions.grants`): each privilege granted on a relation or one
 * of its columns is one object, keyed by (object, column, grantee, privilege, grant
 * option). A grant that differs only in `WITH GRANT OPTION` is one change: missing when
 * the option is expected (its fix grants it with the option), extra when only the live
 * side has it (its fix revokes the option alone).
 */
import { change, qualified } from './diff-helpers.js';
import type { Grant } from './model.js';
import type { SchemaChange } from './schema-change.js';

export function grantKey(g: Grant): string {
  return `${privilegeKey(g)}\u0000${g.grantable ? 'g' : ''}`;
}

function privilegeKey(g: Grant): string {
  return [g.schema, g.name, g.column ?? '', g.grantee, g.privilege].join('\u0000');
}

/** `table orders`, `column orders.email`, `sequence orders_id_seq`, `view recent_orders`. */
export function grantTarget(g: Grant): string {
  return g.column !== undefined ? `column ${qualified(g)}.${g.column}` : `${g.objectType} ${qualified(g)}`;
}

function privilegeText(g: Grant): string {
  return `${g.privilege}${g.grantable ? ' WITH GRANT OPTION' : ''}`;
}

function roleText(g: Grant): string {
  return g.grantee === 'PUBLIC' ? 'PUBLIC' : `role ${g.grantee}`;
}

/**
 * Compares the two sides' privileges. `liveRoles`: the role names of the actual server,
 * when read; a missing grant to a role it does not have says so (its fix cannot run
 * until the role is created).
 */
export function diffGrants(expected: Grant[], actual: Grant[], liveRoles: string[] | undefined, changes: SchemaChange[]): void {
  const live = new Set(actual.map(grantKey));
  const wanted = new Set(expected.map(grantKey));
  const liveGrantable = new Set(actual.filter((g) => g.grantable).map(privilegeKey));
  const wantedGrantable = new Set(expected.filter((g) => g.grantable).map(privilegeKey));
  const roles = liveRoles ? new Set(liveRoles) : undefined;
  for (const g of expected) {
    if (live.has(grantKey(g)) || (!g.grantable && liveGrantable.has(privilegeKey(g)))) continue;
    const absent = roles && g.grantee !== 'PUBLIC' && !roles.has(g.grantee) ? `; role ${g.grantee} does not exist on this server: create it first` : '';
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
