/**
 * The diff of the objects that live beside tables and columns: triggers, row-level
 * security and its policies (per table), functions and procedures, and sequences (per
 * schema). Pure like `diffSchemas`, which calls these; definitions are compared as the
 * server prints them, with whitespace and case outside literals folded.
 */
import { byKey, change, objectKey, qualified } from './diff-helpers.js';
import { type CompositeType, type Domain, type Extension, type Partitioning, type Policy, type Schema, type SchemaFunction, type Sequence, type Table, type Trigger, functionSignature } from './model.js';
import { normalizeExpression, normalizeType } from './normalize-sql.js';
import type { SchemaChange } from './schema-change.js';

/**
 * Triggers on a table or (SQLite) a view, matched by name: SQLite folds the case of
 * names and PostgreSQL allows no two triggers on one table that differ only by case in
 * practice, so the match ignores case. `enabled` is compared only when both sides say it
 * (PostgreSQL); an absent state is plain enabled.
 */
export function diffTriggers(owner: { schema: string; name: string }, expected: Trigger[], actual: Trigger[], changes: SchemaChange[]): void {
  if (expected.length === 0 && actual.length === 0) return;
  const name = qualified(owner);
  const key = (t: Trigger) => t.name.toLowerCase();
  const live = byKey(actual, key);
  const wanted = byKey(expected, key);
  for (const trigger of expected) {
    const found = live.get(key(trigger));
    if (!found) {
      changes.push(change('trigger.missing', owner, { name: trigger.name, expected: trigger, actual: null, message: `trigger ${trigger.name} on ${name} is missing` }));
      continue;
    }
    if (normalizeExpression(trigger.definition) !== normalizeExpression(found.definition)) {
      changes.push(change('trigger.definition', owner, { name: trigger.name, expected: trigger, actual: found, message: `trigger ${trigger.name} on ${name} is ${triggerSummary(found.definition)}, expected ${triggerSummary(trigger.definition)}` }));
    }
    const want = trigger.enabled ?? 'origin';
    const have = found.enabled ?? 'origin';
    if (want !== have) {
      changes.push(change('trigger.enabled', owner, { name: trigger.name, expected: want, actual: have, message: `trigger ${trigger.name} on ${name} is ${enabledText(have)}, expected ${enabledText(want)}` }));
    }
  }
  for (const trigger of actual) {
    if (!wanted.has(key(trigger))) {
      changes.push(change('trigger.extra', owner, { name: trigger.name, expected: null, actual: trigger, message: `trigger ${trigger.name} on ${name} exists but is not expected (${triggerSummary(trigger.definition)})` }));
    }
  }
}

/** `before update on film for each row execute function last_updated()`: the definition without `CREATE TRIGGER name`. */
function triggerSummary(definition: string): string {
  return definition
    .replace(/\s+/g, ' ')
    .replace(/^\s*create\s+(?:or\s+replace\s+)?(?:constraint\s+)?trigger\s+(?:if\s+not\s+exists\s+)?(?:"[^"]+"|\S+)\s+/i, '')
    .replace(/;\s*$/, '')
    .toLowerCase()
    .trim();
}

function enabledText(state: string): string {
  return state === 'disabled' ? 'disabled' : state === 'origin' ? 'enabled' : `enabled ${state}`;
}

/** Exclusion constraints (PostgreSQL), matched by name and compared by their `pg_get_constraintdef` text. */
export function diffExclusions(expected: Table, actual: Table, changes: SchemaChange[]): void {
  const name = qualified(expected);
  const live = byKey(actual.exclusions ?? [], (x) => x.name);
  const wanted = byKey(expected.exclusions ?? [], (x) => x.name);
  const text = (definition: string) => definition.replace(/\s+/g, ' ').replace(/^exclude /i, '').trim();
  for (const x of expected.exclusions ?? []) {
    const found = live.get(x.name);
    if (!found) {
      changes.push(change('exclusion.missing', expected, { name: x.name, expected: x, actual: null, message: `exclusion constraint ${x.name} on ${name} is missing (${text(x.definition)})` }));
    } else if (normalizeExpression(x.definition) !== normalizeExpression(found.definition)) {
      changes.push(change('exclusion.definition', expected, { name: x.name, expected: x, actual: found, message: `exclusion constraint ${x.name} on ${name} is ${text(found.definition)}, expected ${text(x.definition)}` }));
    }
  }
  for (const x of actual.exclusions ?? []) {
    if (!wanted.has(x.name)) {
      changes.push(change('exclusion.extra', expected, { name: x.name, expected: null, actual: x, message: `exclusion constraint ${x.name} on ${name} exists but is not expected (${text(x.definition)})` }));
    }
  }
}

/** Domains, matched by schema and name; base type, default, NOT NULL and checks (by name) compared. */
export function diffDomains(expected: Domain[], actual: Domain[], changes: SchemaChange[]): void {
  const live = byKey(actual, objectKey);
  const wanted = byKey(expected, objectKey);
  for (const domain of expected) {
    const found = live.get(objectKey(domain));
    if (!found) {
      changes.push(change('domain.missing', domain, { name: domain.name, expected: domain, actual: null, message: `domain ${qualified(domain)} is missing (${describeDomain(domain)})` }));
    } else if (describeDomain(domain, true) !== describeDomain(found, true)) {
      changes.push(change('domain.definition', domain, { name: domain.name, expected: domain, actual: found, message: `domain ${qualified(domain)} is ${describeDomain(found)}, expected ${describeDomain(domain)}` }));
    }
  }
  for (const domain of actual) {
    if (!wanted.has(objectKey(domain))) {
      changes.push(change('domain.extra', domain, { name: domain.name, expected: null, actual: domain, message: `domain ${qualified(domain)} exists but is not expected (${describeDomain(domain)})` }));
    }
  }
}

/** `text not null check (VALUE ~ '…'::text)`; `normalized` folds the spelling for comparison. */
function describeDomain(domain: Domain, normalized = false): string {
  const expr = (text: string) => (normalized ? normalizeExpression(text) : text);
  const checks = [...domain.checks].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)).map((c) => `constraint ${c.name} ${expr(c.definition)}`);
  return [domain.type, domain.notNull ? 'not null' : null, domain.default !== null ? `default ${expr(domain.default)}` : null, ...checks].filter((x) => x !== null).join(' ');
}

/** Composite types, matched by schema and name; their attributes compared in order (types as column types are). */
export function diffCompositeTypes(expected: CompositeType[], actual: CompositeType[], changes: SchemaChange[]): void {
  const live = byKey(actual, objectKey);
  const wanted = byKey(expected, objectKey);
  const text = (t: CompositeType) => `(${t.attributes.map((a) => `${a.name} ${a.type}`).join(', ')})`;
  const key = (t: CompositeType) => JSON.stringify(t.attributes.map((a) => [a.name, normalizeType(a.type)]));
  for (const type of expected) {
    const found = live.get(objectKey(type));
    if (!found) {
      changes.push(change('composite-type.missing', type, { name: type.name, expected: type, actual: null, message: `composite type ${qualified(type)} is missing (expected ${text(type)})` }));
    } else if (key(type) !== key(found)) {
      changes.push(change('composite-type.definition', type, { name: type.name, expected: type, actual: found, message: `composite type ${qualified(type)} is ${text(found)}, expected ${text(type)}` }));
    }
  }
  for (const type of actual) {
    if (!wanted.has(objectKey(type))) {
      changes.push(change('composite-type.extra', type, { name: type.name, expected: null, actual: type, message: `composite type ${qualified(type)} exists but is not expected ${text(type)}` }));
    }
  }
}

/**
 * Partitioning of a table both sides read: the partition key, then the partitions by
 * schema and name and their bounds.
 */
export function diffPartitioning(expected: Table, actual: Table, changes: SchemaChange[]): void {
  const want = expected.partitioning ?? null;
  const have = actual.partitioning ?? null;
  const name = qualified(expected);
  const keyText = (p: Partitioning | null) => (p ? `partitioned by ${p.key}` : 'a plain table');
  if ((want?.key ?? null) !== (have?.key ?? null)) {
    changes.push(change('table.partitioning', expected, { expected: want?.key ?? null, actual: have?.key ?? null, message: `table ${name} is ${keyText(have)}, expected ${keyText(want)}` }));
    return;
  }
  if (!want || !have) return;
  const live = byKey(have.partitions, objectKey);
  const wanted = byKey(want.partitions, objectKey);
  for (const part of want.partitions) {
    const found = live.get(objectKey(part));
    if (!found) {
      changes.push(change('partition.missing', expected, { name: part.name, expected: part, actual: null, message: `partition ${qualified(part)} of ${name} is missing (${part.bound})` }));
    } else if (normalizeExpression(part.bound) !== normalizeExpression(found.bound)) {
      changes.push(change('partition.bound', expected, { name: part.name, expected: part, actual: found, message: `partition ${qualified(part)} of ${name} is ${found.bound}, expected ${part.bound}` }));
    }
  }
  for (const part of have.partitions) {
    if (!wanted.has(objectKey(part))) {
      changes.push(change('partition.extra', expected, { name: part.name, expected: null, actual: part, message: `partition ${qualified(part)} of ${name} exists but is not expected (${part.bound})` }));
    }
  }
}

/** Row-level security: an absent `rowSecurity` is off (what a database without RLS reports). */
export function diffRowSecurity(expected: Table, actual: Table, changes: SchemaChange[]): void {
  const want = expected.rowSecurity ?? { enabled: false, forced: false };
  const have = actual.rowSecurity ?? { enabled: false, forced: false };
  if (want.enabled === have.enabled && want.forced === have.forced) return;
  changes.push(change('rls.mismatch', expected, { expected: want, actual: have, message: `row-level security on ${qualified(expected)} is ${rlsText(have)}, expected ${rlsText(want)}` }));
}

function rlsText(rls: { enabled: boolean; forced: boolean }): string {
  return `${rls.enabled ? 'enabled' : 'disabled'}${rls.forced ? ' and forced' : ''}`;
}

/** Policies are matched by name; any difference in command, kind, roles or expressions is a `policy.definition`. */
export function diffPolicies(expected: Table, actual: Table, changes: SchemaChange[]): void {
  const name = qualified(expected);
  const live = byKey(actual.policies ?? [], (p) => p.name);
  const wanted = byKey(expected.policies ?? [], (p) => p.name);
  for (const policy of expected.policies ?? []) {
    const found = live.get(policy.name);
    if (!found) {
      changes.push(change('policy.missing', expected, { name: policy.name, expected: policy, actual: null, message: `policy ${policy.name} on ${name} is missing (${describePolicy(policy)})` }));
    } else if (policyKey(policy) !== policyKey(found)) {
      changes.push(change('policy.definition', expected, { name: policy.name, expected: policy, actual: found, message: `policy ${policy.name} on ${name} is ${describePolicy(found)}, expected ${describePolicy(policy)}` }));
    }
  }
  for (const policy of actual.policies ?? []) {
    if (!wanted.has(policy.name)) {
      changes.push(change('policy.extra', expected, { name: policy.name, expected: null, actual: policy, message: `policy ${policy.name} on ${name} exists but is not expected (${describePolicy(policy)})` }));
    }
  }
}

function policyKey(policy: Policy): string {
  const expr = (text: string | null) => (text === null ? null : normalizeExpression(text));
  return JSON.stringify([policy.command, policy.permissive, [...policy.roles].sort(), expr(policy.using), expr(policy.withCheck)]);
}

/** `permissive for select to authenticated using (owner = current_user)`. */
export function describePolicy(policy: Policy): string {
  let text = `${policy.permissive ? 'permissive' : 'restrictive'} for ${policy.command} to ${policy.roles.join(', ')}`;
  if (policy.using !== null) text += ` using (${policy.using})`;
  if (policy.withCheck !== null) text += ` with check (${policy.withCheck})`;
  return text;
}

const functionKey = (fn: SchemaFunction) => `${fn.schema}\u0000${fn.name}(${fn.arguments})`;

/** Functions and procedures are matched by schema, name and argument types (PostgreSQL overloads). */
export function diffFunctions(expected: SchemaFunction[], actual: SchemaFunction[], changes: SchemaChange[]): void {
  const live = byKey(actual, functionKey);
  const wanted = byKey(expected, functionKey);
  for (const fn of expected) {
    const found = live.get(functionKey(fn));
    const what = `${fn.kind} ${qualified({ schema: fn.schema, name: functionSignature(fn) })}`;
    if (!found) {
      changes.push(change('function.missing', fn, { name: functionSignature(fn), expected: fn, actual: null, message: `${what} is missing` }));
    } else if (definitionKey(fn.definition) !== definitionKey(found.definition)) {
      changes.push(change('function.definition', fn, { name: functionSignature(fn), expected: fn, actual: found, message: `${what} ${functionDifference(fn, found)}` }));
    }
  }
  for (const fn of actual) {
    if (!wanted.has(functionKey(fn))) {
      changes.push(change('function.extra', fn, { name: functionSignature(fn), expected: null, actual: fn, message: `${fn.kind} ${qualified({ schema: fn.schema, name: functionSignature(fn) })} exists but is not expected` }));
    }
  }
}

/** Function definitions keep their body's case and literals: only runs of whitespace are folded. */
function definitionKey(definition: string): string {
  return definition.replace(/\s+/g, ' ').trim();
}

function functionDifference(want: SchemaFunction, have: SchemaFunction): string {
  const parts: string[] = [];
  if (want.kind !== have.kind) parts.push(`is a ${have.kind}, expected a ${want.kind}`);
  if (want.returns !== have.returns) parts.push(`returns ${have.returns}, expected ${want.returns}`);
  if (want.language !== have.language) parts.push(`is language ${have.language}, expected ${want.language}`);
  if (want.volatility !== have.volatility) parts.push(`is ${have.volatility}, expected ${want.volatility}`);
  if (want.security !== have.security) parts.push(`is security ${have.security}, expected security ${want.security}`);
  return parts.length > 0 ? parts.join(', ') : 'has a different body or attributes';
}

/**
 * Sequences are matched by schema and name. A sequence owned by a column that only one
 * side has is left to that column's change: creating a `serial` column creates its
 * sequence, and dropping the column drops it.
 */
export function diffSequences(expected: Schema, actual: Schema, changes: SchemaChange[]): void {
  const wantedSeqs = expected.sequences ?? [];
  const liveSeqs = actual.sequences ?? [];
  const live = byKey(liveSeqs, objectKey);
  const wanted = byKey(wantedSeqs, objectKey);
  const hasColumn = (schema: Schema, owner: Sequence['ownedBy']) =>
    owner !== null && schema.tables.some((t) => t.schema === owner.schema && t.name === owner.table && t.columns.some((c) => c.name === owner.column));
  for (const seq of wantedSeqs) {
    const found = live.get(objectKey(seq));
    if (!found) {
      if (seq.ownedBy && !hasColumn(actual, seq.ownedBy)) continue;
      changes.push(change('sequence.missing', seq, { name: seq.name, expected: seq, actual: null, message: `sequence ${qualified(seq)} is missing (${describeSequence(seq)})` }));
      continue;
    }
    const differences = sequenceDifferences(seq, found);
    if (differences.length > 0) {
      changes.push(change('sequence.mismatch', seq, { name: seq.name, expected: seq, actual: found, message: `sequence ${qualified(seq)} ${differences.join(', ')}` }));
    }
  }
  for (const seq of liveSeqs) {
    if (wanted.has(objectKey(seq))) continue;
    if (seq.ownedBy && !hasColumn(expected, seq.ownedBy)) continue;
    changes.push(change('sequence.extra', seq, { name: seq.name, expected: null, actual: seq, message: `sequence ${qualified(seq)} exists but is not expected (${describeSequence(seq)})` }));
  }
}

function ownerText(owner: Sequence['ownedBy']): string {
  return owner ? `owned by ${qualified({ schema: owner.schema, name: owner.table })}.${owner.column}` : 'owned by none';
}

export function describeSequence(seq: Sequence): string {
  return `${seq.type}, start ${seq.start}, increment ${seq.increment}, min ${seq.min}, max ${seq.max}${seq.cycle ? ', cycle' : ''}${seq.ownedBy ? `, ${ownerText(seq.ownedBy)}` : ''}`;
}

function sequenceDifferences(want: Sequence, have: Sequence): string[] {
  const out: string[] = [];
  const fields = ['type', 'start', 'increment', 'min', 'max'] as const;
  for (const field of fields) if (want[field] !== have[field]) out.push(`has ${field} ${have[field]}, expected ${want[field]}`);
  if (want.cycle !== have.cycle) out.push(have.cycle ? 'cycles, expected no cycle' : 'does not cycle, expected cycle');
  if (ownerText(want.ownedBy) !== ownerText(have.ownedBy)) out.push(`is ${ownerText(have.ownedBy)}, expected ${ownerText(want.ownedBy)}`);
  return out;
}

/** Extensions are matched by name; the schema always counts, the version only when asked. */
export function diffExtensions(expected: Extension[], actual: Extension[], versions: boolean, changes: SchemaChange[]): void {
  const live = byKey(actual, (e) => e.name);
  const wanted = byKey(expected, (e) => e.name);
  const owner = (e: Extension) => ({ schema: e.schema, name: e.name });
  for (const ext of expected) {
    const found = live.get(ext.name);
    if (!found) {
      changes.push(change('extension.missing', owner(ext), { name: ext.name, expected: ext, actual: null, message: `extension ${ext.name} is missing (expected in schema ${ext.schema})` }));
    } else if (found.schema !== ext.schema) {
      changes.push(change('extension.missing', owner(ext), { name: ext.name, expected: ext, actual: found, message: `extension ${ext.name} is in schema ${found.schema}, expected ${ext.schema}` }));
    } else if (versions && found.version !== ext.version) {
      changes.push(change('extension.version', owner(ext), { name: ext.name, expected: ext.version, actual: found.version, message: `extension ${ext.name} is version ${found.version}, expected ${ext.version}` }));
    }
  }
  for (const ext of actual) {
    if (!wanted.has(ext.name)) changes.push(change('extension.extra', owner(ext), { name: ext.name, expected: null, actual: ext, message: `extension ${ext.name} exists but is not expected` }));
  }
}
