import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type ts from 'typescript';
import { LockstepError } from '../core/errors.js';
import { loadPostgresParser } from '../dialects/postgres/postgres-parser.js';
import { looksLikeSql, sqlReferences } from './sql-references.js';

// The TypeScript compiler (23 MB) is development machinery: only `lint` reads the code,
// so it is imported on first use, never by a worker, a probe or `lockstep --help`.
let tsApi: typeof ts;

/**
 * Loads what reading code needs: the TypeScript compiler and the SQL parser (memoized).
 * `lintMigrations` awaits it; call it before using a CodeIndex directly.
 */
export async function loadCodeTools(): Promise<void> {
  if (!tsApi) {
    try {
      tsApi = (await import('typescript')).default;
    } catch (error) {
      throw new LockstepError('the TypeScript compiler (package typescript) is not installed', {
        cause: error,
        hint: 'lint reads application code with it: npm install typescript (it is an optional dependency of lockstep).',
      });
    }
  }
  await loadPostgresParser();
}

/** One place in the application's source that uses a table or column. */
export interface CodeReference {
  /** Absolute path. */
  file: string;
  /** 1-based. */
  line: number;
  /** 1-based. */
  column: number;
  /** The source line, trimmed. */
  text: string;
  /** How it was found: SQL in a literal, a member of a row-typed value, or a string naming it. */
  via: 'sql' | 'row-type' | 'table-context' | 'string';
}

/** A table, or a column of it, that a migration drops or renames. */
export interface ReferenceTarget {
  table: string;
  column?: string;
}

/** Answers "does table T have column C" for the schema the migration runs on. */
export type ColumnLookup = (table: string) => readonly string[] | undefined;

const EXTENSIONS = /\.(ts|tsx|mts|cts|js|jsx|mjs|cjs)$/;
const SKIP_DIRS = new Set(['node_modules', 'dist', 'build', 'coverage', '.git', '.lockstep']);

interface SqlHit {
  file: ts.SourceFile;
  pos: number;
}
interface SqlColumnHit extends SqlHit {
  column: string;
  tables: string[];
  qualified: boolean;
}

/**
 * Finds code that still uses a table or column: SQL in string and template literals
 * (parsed with libpg-query, `${…}` replaced by `$n`), members of values whose TYPE is the
 * table's row type (via the TypeScript type checker), and members of untyped values in
 * functions that name the table in a string. One `ts.Program` is built for the whole
 * tree, lazily, on the first lookup; every later lookup reuses it.
 *
 * @example
 * const index = new CodeIndex('src');
 * index.find({ table: 'tenants', column: 'config' });
 * // [{ file: '/app/src/tenants.ts', line: 12, column: 17, text: 'return tenant.config.adapters;', via: 'row-type' }]
 */
export class CodeIndex {
  private built = false;
  private program: ts.Program | undefined;
  private checker: ts.TypeChecker | undefined;
  private readonly sqlTables = new Map<string, SqlHit[]>();
  private readonly sqlColumns = new Map<string, SqlColumnHit[]>();
  /** Property names used on values: `x.config`, `x['config']`, `{ config }`, `const { config } = x`. */
  private readonly members = new Map<string, ts.Node[]>();
  /** String literals by exact (lower-cased) value. */
  private readonly strings = new Map<string, ts.StringLiteralLike[]>();
  private readonly literalTextOfScope = new Map<ts.Node, string>();
  private readonly files: string[];

  constructor(readonly srcDir: string) {
    this.files = existsSync(srcDir) ? listSourceFiles(srcDir) : [];
  }

  /** Number of source files scanned. */
  get fileCount(): number {
    return this.files.length;
  }

  /** References to `target` (a whole table when `column` is absent), sorted by file and position. */
  find(target: ReferenceTarget, columnsOf: ColumnLookup = () => undefined): CodeReference[] {
    this.build();
    const table = target.table.toLowerCase();
    const hits = new Map<string, CodeReference>();
    const add = (file: ts.SourceFile, pos: number, via: CodeReference['via']) => {
      const ref = toReference(file, pos, via);
      const key = `${ref.file}:${ref.line}:${ref.column}`;
      if (!hits.has(key)) hits.set(key, ref);
    };
    if (target.column === undefined) {
      for (const hit of this.sqlTables.get(table) ?? []) add(hit.file, hit.pos, 'sql');
      for (const literal of this.strings.get(table) ?? []) add(literal.getSourceFile(), literal.getStart() + 1, 'string');
    } else {
      const column = target.column.toLowerCase();
      for (const hit of this.sqlColumns.get(column) ?? []) {
        if (!hit.tables.includes(table)) continue;
        // Unqualified and several tables in scope: keep it only if no other table has the column.
        if (!hit.qualified && hit.tables.length > 1) {
          const others = hit.tables.filter((t) => t !== table && columnsOf(t)?.some((c) => c.toLowerCase() === column));
          if (others.length > 0) continue;
        }
        add(hit.file, hit.pos, 'sql');
      }
      for (const literal of this.strings.get(`${table}.${column}`) ?? []) add(literal.getSourceFile(), literal.getStart() + 1, 'string');
      for (const node of this.members.get(column) ?? []) {
        const verdict = this.memberBelongsTo(node, table, column);
        if (verdict) add(node.getSourceFile(), node.getStart(), verdict);
      }
      for (const literal of this.strings.get(column) ?? []) {
        if (isCallArgument(literal) && this.scopeNamesTable(literal, table)) add(literal.getSourceFile(), literal.getStart() + 1, 'table-context');
      }
    }
    return [...hits.values()].sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line || a.column - b.column);
  }

  private build(): void {
    if (this.built) return;
    this.built = true;
    this.program = tsApi.createProgram(this.files, {
      allowJs: true,
      checkJs: false,
      noEmit: true,
      skipLibCheck: true,
      strict: true,
      target: tsApi.ScriptTarget.ES2022,
      module: tsApi.ModuleKind.ESNext,
      moduleResolution: tsApi.ModuleResolutionKind.Bundler,
      jsx: tsApi.JsxEmit.Preserve,
      types: [],
    });
    this.checker = this.program.getTypeChecker();
    for (const file of this.program.getSourceFiles()) {
      if (file.isDeclarationFile || file.fileName.includes('/node_modules/')) continue;
      this.indexFile(file);
    }
  }

  private indexFile(file: ts.SourceFile): void {
    const visit = (node: ts.Node): void => {
      if (tsApi.isStringLiteralLike(node)) {
        push(this.strings, node.text.toLowerCase(), node);
      }
      if (tsApi.isPropertyAccessExpression(node)) push(this.members, node.name.text.toLowerCase(), node.name);
      else if (tsApi.isElementAccessExpression(node) && tsApi.isStringLiteralLike(node.argumentExpression)) {
        push(this.members, node.argumentExpression.text.toLowerCase(), node.argumentExpression);
      } else if ((tsApi.isPropertyAssignment(node) || tsApi.isShorthandPropertyAssignment(node)) && tsApi.isObjectLiteralExpression(node.parent)) {
        const name = propertyNameText(node.name);
        if (name) push(this.members, name.toLowerCase(), node.name);
      } else if (tsApi.isBindingElement(node) && tsApi.isObjectBindingPattern(node.parent)) {
        const nameNode = node.propertyName ?? node.name;
        const name = tsApi.isIdentifier(nameNode) || tsApi.isStringLiteralLike(nameNode) ? nameNode.text : undefined;
        if (name) push(this.members, name.toLowerCase(), nameNode);
      }
      const sql = sqlPieces(node, file);
      if (sql) this.indexSql(file, sql);
      tsApi.forEachChild(node, visit);
    };
    visit(file);
  }

  private indexSql(file: ts.SourceFile, pieces: SqlText): void {
    if (!looksLikeSql(pieces.text)) return;
    const refs = sqlReferences(pieces.text);
    if (!refs) return;
    for (const t of refs.tables) push(this.sqlTables, t.table.toLowerCase(), { file, pos: pieces.toFile(t.offset) });
    for (const c of refs.columns) {
      push(this.sqlColumns, c.column.toLowerCase(), { file, pos: pieces.toFile(c.offset), column: c.column, tables: c.tables.map((t) => t.toLowerCase()), qualified: c.qualified });
    }
  }

  /** Is `name` (a member name node) a member of a value that is a row of `table`? */
  private memberBelongsTo(name: ts.Node, table: string, column: string): CodeReference['via'] | null {
    const checker = this.checker!;
    const owner = ownerType(name, checker);
    if (!owner) return null;
    const verdict = typeVerdict(owner, table, column, checker);
    if (verdict === 'row') return 'row-type';
    if (verdict === 'other') return null;
    return this.scopeNamesTable(name, table) ? 'table-context' : null;
  }

  /**
   * Does an enclosing function name `table` in a string literal? Callbacks count as part of
   * the function around them (`db.query('… tenants …').then((row) => row.config)`); code at
   * the top level of a file looks at the whole file.
   */
  private scopeNamesTable(node: ts.Node, table: string): boolean {
    const pattern = new RegExp(`(?<![a-z0-9_])${escapeRegExp(table)}(?![a-z0-9_])`);
    let scope: ts.Node | undefined = node.parent;
    let sawFunction = false;
    for (; scope; scope = scope.parent) {
      if (tsApi.isFunctionLike(scope)) sawFunction = true;
      else if (!tsApi.isSourceFile(scope) || sawFunction) continue;
      if (pattern.test(this.literalText(scope))) return true;
    }
    return false;
  }

  private literalText(scope: ts.Node): string {
    let text = this.literalTextOfScope.get(scope);
    if (text === undefined) {
      const parts: string[] = [];
      const visit = (n: ts.Node) => {
        if (tsApi.isStringLiteralLike(n) || tsApi.isTemplateHead(n) || tsApi.isTemplateMiddle(n) || tsApi.isTemplateTail(n)) parts.push(n.text);
        tsApi.forEachChild(n, visit);
      };
      visit(scope);
      text = parts.join('\n').toLowerCase();
      this.literalTextOfScope.set(scope, text);
    }
    return text;
  }
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

function listSourceFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (path: string) => {
    for (const entry of readdirSync(path)) {
      if (SKIP_DIRS.has(entry) || entry.startsWith('.')) continue;
      const full = join(path, entry);
      const stat = statSync(full);
      if (stat.isDirectory()) walk(full);
      else if (EXTENSIONS.test(entry)) out.push(full);
    }
  };
  walk(dir);
  return out.sort();
}

function toReference(file: ts.SourceFile, pos: number, via: CodeReference['via']): CodeReference {
  const { line, character } = file.getLineAndCharacterOfPosition(pos);
  const lineStart = file.getPositionOfLineAndCharacter(line, 0);
  const lineEnd = file.getLineEndOfPosition(pos);
  return { file: file.fileName, line: line + 1, column: character + 1, text: file.text.slice(lineStart, lineEnd).trim(), via };
}

function propertyNameText(name: ts.Node): string | undefined {
  if (tsApi.isIdentifier(name) || tsApi.isStringLiteralLike(name)) return name.text;
  return undefined;
}

function isCallArgument(node: ts.Node): boolean {
  let current = node;
  if (tsApi.isArrayLiteralExpression(current.parent)) current = current.parent;
  return tsApi.isCallExpression(current.parent) && current.parent.arguments.includes(current as ts.Expression);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** A SQL text assembled from literals, with a map back to file positions. */
interface SqlText {
  text: string;
  toFile(offset: number): number;
}

/**
 * The SQL text of a string literal, a template literal (each `${…}` becomes `$n`), or a
 * `+` chain of them; null for anything else. Only the outermost node of a chain answers.
 */
function sqlPieces(node: ts.Node, file: ts.SourceFile): SqlText | null {
  const isChain = (n: ts.Node | undefined) => n !== undefined && tsApi.isBinaryExpression(n) && n.operatorToken.kind === tsApi.SyntaxKind.PlusToken;
  if (isChain(node.parent)) return null; // read once, from the top of the chain
  if (!tsApi.isStringLiteralLike(node) && !tsApi.isTemplateExpression(node) && !isChain(node)) return null;
  const segments: { sql: number; file: number; length: number }[] = [];
  let text = '';
  let placeholder = 0;
  let sawLiteral = false;
  const literal = (start: number, end: number) => {
    segments.push({ sql: text.length, file: start, length: end - start });
    text += file.text.slice(start, end);
    sawLiteral = true;
  };
  const expression = () => {
    text += `$${++placeholder}`;
  };
  const read = (n: ts.Node): void => {
    if (tsApi.isParenthesizedExpression(n)) return read(n.expression);
    if (tsApi.isStringLiteral(n) || tsApi.isNoSubstitutionTemplateLiteral(n)) return literal(n.getStart(file) + 1, n.end - 1);
    if (tsApi.isTemplateExpression(n)) {
      literal(n.head.getStart(file) + 1, n.head.end - 2);
      for (const span of n.templateSpans) {
        expression();
        const lit = span.literal;
        literal(lit.getStart(file) + 1, lit.end - (tsApi.isTemplateTail(lit) ? 1 : 2));
      }
      return;
    }
    if (isChain(n)) {
      const b = n as ts.BinaryExpression;
      read(b.left);
      read(b.right);
      return;
    }
    expression();
  };
  read(node);
  if (!sawLiteral) return null;
  return {
    text,
    toFile(offset: number) {
      let best = segments[0];
      for (const s of segments) if (s.sql <= offset) best = s;
      return best.file + Math.min(offset - best.sql, best.length);
    },
  };
}

/** The type of the value a member name belongs to. */
function ownerType(name: ts.Node, checker: ts.TypeChecker): ts.Type | undefined {
  const parent = name.parent;
  if (tsApi.isPropertyAccessExpression(parent) || tsApi.isElementAccessExpression(parent)) return checker.getTypeAtLocation(parent.expression);
  if ((tsApi.isPropertyAssignment(parent) || tsApi.isShorthandPropertyAssignment(parent)) && tsApi.isObjectLiteralExpression(parent.parent)) {
    return checker.getContextualType(parent.parent) ?? undefined;
  }
  if (tsApi.isBindingElement(parent) && tsApi.isObjectBindingPattern(parent.parent)) return checker.getTypeAtLocation(parent.parent);
  return undefined;
}

/**
 * `row`: the type is named after the table (`Tenant`, `TenantRow`, `tenants`).
 * `unknown`: any/unknown, or an anonymous object type with the column: decide by context.
 * `other`: a named type that is not the table's row.
 */
function typeVerdict(type: ts.Type, table: string, column: string, checker: ts.TypeChecker, depth = 0): 'row' | 'unknown' | 'other' {
  if (depth > 3) return 'other';
  type = checker.getNonNullableType(type);
  if (type.flags & (tsApi.TypeFlags.Any | tsApi.TypeFlags.Unknown)) return 'unknown';
  if (type.isUnion() || type.isIntersection()) {
    const verdicts = type.types.map((t) => typeVerdict(t, table, column, checker, depth + 1));
    return verdicts.includes('row') ? 'row' : verdicts.includes('unknown') ? 'unknown' : 'other';
  }
  const names = [type.aliasSymbol?.name, type.getSymbol()?.name].filter((n): n is string => Boolean(n) && n !== '__type' && n !== '__object');
  if (names.some((n) => namedAfterTable(n, table))) return 'row';
  // Partial<Tenant>, Readonly<TenantRow>, Pick<Tenant, 'config'>
  for (const argument of type.aliasTypeArguments ?? []) {
    if (typeVerdict(argument, table, column, checker, depth + 1) === 'row') return 'row';
  }
  if (names.length === 0 && type.getProperty(column)) return 'unknown';
  return 'other';
}

const ROW_SUFFIXES = ['row', 'record', 'entity', 'model', 'table', 'dto', 'data', 'type', 'schema'];

/** `Tenant`, `TenantRow`, `TenantsTable`, `tenants` are all named after table `tenants`. */
export function namedAfterTable(typeName: string, table: string): boolean {
  const fold = (s: string) => s.toLowerCase().replace(/[^a-z0-9]/g, '');
  let name = fold(typeName);
  const forms = tableForms(fold(table));
  if (forms.has(name)) return true;
  for (const suffix of ROW_SUFFIXES) {
    if (name.endsWith(suffix) && forms.has(name.slice(0, -suffix.length))) return true;
  }
  name = name.replace(/^i(?=[a-z])/, ''); // IUser-style interface names
  return forms.has(name);
}

function tableForms(table: string): Set<string> {
  const forms = new Set([table]);
  if (table.endsWith('ies')) forms.add(`${table.slice(0, -3)}y`);
  if (table.endsWith('ses') || table.endsWith('xes') || table.endsWith('ches') || table.endsWith('shes')) forms.add(table.slice(0, -2));
  if (table.endsWith('s')) forms.add(table.slice(0, -1));
  else forms.add(`${table}s`);
  return forms;
}
