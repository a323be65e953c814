import type { ScriptFacts, StatementFact } from '../statement-facts.js';
import type { TypeLike } from '../type-compat.js';
import { splitPostgresStatements } from '../../dialects/postgres/postgres-statements.js';
import { byteToCharOffset, type PgNode, parsePostgres, PgSyntaxError, stringList } from '../../dialects/postgres/postgres-parser.js';

/**
 * What each statement of a PostgreSQL migration does, read with the real parser
 * (libpg-query): CONCURRENTLY, NOT VALID, USING, renames, NOT NULL without a default.
 * A script the parser rejects yields no statements and the error's line.
 *
 * @example
 * postgresStatementFacts('create index i on t (a);').statements[0].facts;
 * // [{ kind: 'create-index', table: 't', index: 'i', unique: false, concurrently: false, columns: ['a'] }]
 */
export function postgresStatementFacts(script: string): ScriptFacts {
  let parsed;
  try {
    parsed = parsePostgres(script);
  } catch (error) {
    const position = error instanceof PgSyntaxError && error.position !== undefined ? byteToCharOffset(script, error.position) : 0;
    return { statements: [], syntaxError: { line: lineAt(script, position), message: (error as Error).message } };
  }
  // Lines and offsets come from the dialect's splitter, the one statement locator that
  // migrate, rehearse and lint share, so a finding and a failure name the same line.
  const located = splitPostgresStatements(script);
  const statements = parsed.map((p) => {
    const start = byteToCharOffset(script, p.location);
    const end = p.length === undefined ? script.length : byteToCharOffset(script, p.location + p.length);
    const at = located.find((s) => s.offset >= start && s.offset < Math.max(end, start + 1)) ?? { sql: script.slice(start, end).trim(), offset: start, line: lineAt(script, start) };
    return { sql: at.sql, line: at.line, offset: at.offset, ...pgStatementFacts(p.stmt, script) };
  });
  return { statements };
}

function lineAt(text: string, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset && i < text.length; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

/** `script` is the whole migration: AST locations are offsets into it. */
function pgStatementFacts(stmt: PgNode, script: string): { facts: StatementFact[]; concurrently: boolean } {
  const facts: StatementFact[] = [];
  let concurrently = false;
  const kind = Object.keys(stmt ?? {})[0];
  const node = stmt?.[kind];
  switch (kind) {
    case 'CreateStmt': {
      const table = node.relation.relname as string;
      facts.push({ kind: 'create-table', table });
      for (const element of node.tableElts ?? []) {
        if (element.ColumnDef) facts.push(...columnConstraintFacts(table, element.ColumnDef, true));
        if (element.Constraint) facts.push(...constraintFacts(table, element.Constraint, true, script));
      }
      break;
    }
    case 'DropStmt':
      concurrently = Boolean(node.concurrent);
      if (node.removeType === 'OBJECT_TABLE') {
        for (const object of node.objects ?? []) {
          const names = stringList(object.List?.items);
          if (names.length > 0) facts.push({ kind: 'drop-table', table: names[names.length - 1] });
        }
      }
      break;
    case 'IndexStmt':
      concurrently = Boolean(node.concurrent);
      facts.push({
        kind: 'create-index',
        table: node.relation.relname,
        index: node.idxname ?? null,
        unique: Boolean(node.unique),
        concurrently,
        columns: (node.indexParams ?? []).map((p: PgNode) => p.IndexElem?.name).filter(Boolean),
      });
      break;
    case 'ReindexStmt':
      concurrently = (node.params ?? []).some((p: PgNode) => p.DefElem?.defname === 'concurrently');
      break;
    case 'RefreshMatViewStmt':
      concurrently = Boolean(node.concurrent);
      break;
    case 'RenameStmt':
      if (node.renameType === 'OBJECT_TABLE') facts.push({ kind: 'rename-table', table: node.relation.relname, newName: node.newname });
      if (node.renameType === 'OBJECT_COLUMN' && node.relationType === 'OBJECT_TABLE') {
        facts.push({ kind: 'rename-column', table: node.relation.relname, column: node.subname, newName: node.newname });
      }
      break;
    case 'AlterTableStmt': {
      if (node.objtype !== 'OBJECT_TABLE') break;
      const table = node.relation.relname as string;
      for (const item of node.cmds ?? []) {
        const cmd = item.AlterTableCmd;
        if (!cmd) continue;
        switch (cmd.subtype) {
          case 'AT_AddColumn': {
            const def = cmd.def.ColumnDef;
            const constraints = (def.constraints ?? []).map((c: PgNode) => c.Constraint);
            facts.push({
              kind: 'add-column',
              table,
              column: def.colname,
              type: pgType(def.typeName),
              notNull: constraints.some((c: PgNode) => c.contype === 'CONSTR_NOTNULL' || c.contype === 'CONSTR_PRIMARY'),
              hasDefault: constraints.some((c: PgNode) => ['CONSTR_DEFAULT', 'CONSTR_IDENTITY', 'CONSTR_GENERATED'].includes(c.contype)) || isSerial(def.typeName),
            });
            facts.push(...columnConstraintFacts(table, def, true));
            break;
          }
          case 'AT_DropColumn':
            facts.push({ kind: 'drop-column', table, column: cmd.name });
            break;
          case 'AT_AlterColumnType':
            facts.push({ kind: 'alter-column-type', table, column: cmd.name, type: pgType(cmd.def?.ColumnDef?.typeName), using: Boolean(cmd.def?.ColumnDef?.raw_default) });
            break;
          case 'AT_SetNotNull':
            facts.push({ kind: 'set-not-null', table, column: cmd.name });
            break;
          case 'AT_AddConstraint':
            facts.push(...constraintFacts(table, cmd.def.Constraint, false, script));
            break;
        }
      }
      break;
    }
  }
  return { facts, concurrently };
}

/** Constraints written on a column definition (`org_id int references orgs(id) unique`). */
function columnConstraintFacts(table: string, def: PgNode, onNewRows: boolean): StatementFact[] {
  const facts: StatementFact[] = [];
  for (const wrapper of def.constraints ?? []) {
    const c = wrapper.Constraint;
    if (c?.contype === 'CONSTR_FOREIGN') {
      facts.push({
        kind: 'add-foreign-key',
        table,
        columns: [def.colname],
        referencedTable: c.pktable.relname,
        referencedColumns: stringList(c.pk_attrs),
        notValid: Boolean(c.skip_validation),
        onNewRows,
      });
    }
  }
  return facts;
}

function constraintFacts(table: string, c: PgNode, inCreateTable: boolean, script: string): StatementFact[] {
  switch (c?.contype) {
    case 'CONSTR_FOREIGN':
      return [
        {
          kind: 'add-foreign-key',
          table,
          columns: stringList(c.fk_attrs),
          referencedTable: c.pktable.relname,
          referencedColumns: stringList(c.pk_attrs),
          notValid: Boolean(c.skip_validation),
          onNewRows: inCreateTable,
        },
      ];
    case 'CONSTR_UNIQUE':
    case 'CONSTR_PRIMARY':
      if (inCreateTable) return [];
      return [{ kind: 'add-unique', table, columns: stringList(c.keys), name: c.conname ?? null, primaryKey: c.contype === 'CONSTR_PRIMARY' }];
    case 'CONSTR_CHECK':
      if (inCreateTable) return [];
      return [{ kind: 'add-check', table, name: c.conname ?? null, expression: checkExpressionText(script, c.location), notValid: Boolean(c.skip_validation) }];
    default:
      return [];
  }
}

/** The parenthesised expression after CHECK, cut from the statement text (the parser keeps no text). */
function checkExpressionText(sql: string, location: number | undefined): string | null {
  const from = typeof location === 'number' ? byteToCharOffset(sql, location) : 0;
  const match = /check\s*\(/i.exec(sql.slice(from));
  if (!match) return null;
  const start = from + match.index + match[0].length;
  let depth = 1;
  let quote: string | null = null;
  for (let i = start; i < sql.length; i++) {
    const ch = sql[i];
    if (quote) {
      if (ch === quote) quote = null;
      continue;
    }
    if (ch === "'" || ch === '"') quote = ch;
    else if (ch === '(') depth++;
    else if (ch === ')' && --depth === 0) return sql.slice(start, i).trim();
  }
  return null;
}

const PG_TYPE_NAMES: Record<string, string> = { varchar: 'character varying', bpchar: 'character', int4: 'integer', int8: 'bigint', int2: 'smallint', float4: 'real', float8: 'double precision', bool: 'boolean', timestamptz: 'timestamp with time zone', timestamp: 'timestamp without time zone' };

function isSerial(typeName: PgNode): boolean {
  const names = stringList(typeName?.names);
  return /^(small|big)?serial[248]?$/.test(names[names.length - 1] ?? '');
}

function pgType(typeName: PgNode): TypeLike | null {
  if (!typeName) return null;
  const names = stringList(typeName.names);
  const raw = names[names.length - 1];
  if (!raw) return null;
  const mods = (typeName.typmods ?? []).map((m: PgNode) => m.A_Const?.ival?.ival ?? 0) as number[];
  const base = PG_TYPE_NAMES[raw] ?? raw;
  const isString = base === 'character varying' || base === 'character';
  return {
    base,
    length: isString ? (mods[0] ?? (base === 'character' ? 1 : null)) : null,
    precision: !isString && mods.length > 0 ? mods[0] : null,
    scale: !isString && mods.length > 1 ? mods[1] : null,
    arrayDimensions: (typeName.arrayBounds ?? []).length,
  };
}
