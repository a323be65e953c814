import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, resolve, sep } from 'node:path';
import type ts from 'typescript';
import type { DialectName } from '../core/model.js';
import { LockstepError } from '../core/errors.js';
import { loadPostgresParser } from '../dialects/postgres/postgres-parser.js';
import { bindTypeScript, drizzleColumnOf, entityColumnOf, entityTableOf, isPrismaFieldReference, queryBuilderAliases, queryBuilderColumnOffsets } from './orm-references.js';
import { looksLikeSql, sqlReferences } from './sql-references.js';

// The TypeScript compiler (23 MB) is development machinery: only `lint` reads the code,
// so it is imported on first use, never by a worker, a probe or `lockstep --help`.
let tsApi: typeof ts;

/**
 * Loads what reading code needs: the TypeScript compiler and the SQL parser (memoized).
 * `lintMigrations` and `CodeIndex.load()` await it.
 */
export async function loadCodeTools(): Promise<void> {
  if (!tsApi) {
    try {
      tsApi = (await import('typescript')).default;
      bindTypeScript(tsApi);
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
  /**
   * How it was found: SQL in a literal, a member of a row-typed value, or a string naming
   * it; or through an ORM (a Prisma client call, a Drizzle table column, a TypeORM entity
   * property or QueryBuilder string); or the model itself (`model`: a Prisma field, a Drizzle
   * column or a TypeORM entity column still declares it, so the ORM selects it).
   */
  via: 'sql' | 'row-type' | 'table-context' | 'string' | 'prisma' | 'drizzle' | 'typeorm' | 'model';
  /** `write`: SQL that inserts, updates or deletes it, or an object literal that sets the column; else `read`. */
  access: 'read' | 'write';
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
  write: boolean;
}
interface SqlColumnHit extends SqlHit {
  column: string;
  tables: string[];
  qualified: boolean;
}

export interface CodeIndexOptions {
  /** The project's database: SQL in the code is read in its dialect. Default `postgres`. */
  dialect?: DialectName;
  /** The project's `tsconfig.json`: its compiler options (path aliases, baseUrl, jsx) drive the type checker. */
  tsconfig?: string;
  /**
   * The source files by absolute path, instead of reading `srcDir` from disk (the code of a
   * git ref). Files under `srcDir` that are not in the map do not exist for the scan.
   */
  files?: ReadonlyMap<string, string>;
}

/**
 * Finds code that still uses a table or column: SQL in string and template literals
 * (read in the project's dialect, `${…}` replaced by `$n`), members of values whose TYPE is the
 * table's row type (via the TypeScript type checker), and members of untyped values in
 * functions that name the table in a string. One `ts.Program` is built for the whole
 * tree by `load()` (which also loads TypeScript); every lookup reuses it.
 *
 * @example
 * const index = await new CodeIndex('src', { dialect: 'sqlite', tsconfig: 'tsconfig.json' }).load();
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
  /** Drizzle tables and TypeORM entities by table name: the property key of each column. */
  private readonly ormModels = new Map<string, OrmModel[]>();
  /** The column objects of Drizzle table declarations: the schema itself, not code that reads it. */
  private readonly modelDeclarations = new Set<ts.Node>();
  private readonly files: string[];

  constructor(
    readonly srcDir: string,
    private readonly options: CodeIndexOptions = {},
  ) {
    this.files = options.files ? [...options.files.keys()].filter((f) => EXTENSIONS.test(f)).sort() : existsSync(srcDir) ? listSourceFiles(srcDir) : [];
  }

  /** Loads TypeScript and builds the program and the index; call once before `find`. */
  async load(): Promise<this> {
    await loadCodeTools();
    this.build();
    return this;
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
    const add = (file: ts.SourceFile, pos: number, via: CodeReference['via'], write = false) => {
      const ref = toReference(file, pos, via, write ? 'write' : 'read');
      const key = `${ref.file}:${ref.line}:${ref.column}`;
      if (!hits.has(key) || write) hits.set(key, ref);
    };
    if (target.column === undefined) {
      for (const hit of this.sqlTables.get(table) ?? []) add(hit.file, hit.pos, 'sql', hit.write);
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
        add(hit.file, hit.pos, 'sql', hit.write);
      }
      for (const literal of this.strings.get(`${table}.${column}`) ?? []) add(literal.getSourceFile(), literal.getStart() + 1, 'string');
      for (const node of this.members.get(column) ?? []) {
        if (this.inModelDeclaration(node)) continue;
        const verdict = this.memberBelongsTo(node, table, column);
        if (verdict) add(node.getSourceFile(), node.getStart(), verdict, isObjectLiteralKey(node));
      }
      for (const literal of this.strings.get(column) ?? []) {
        if (isCallArgument(literal) && !this.inModelDeclaration(literal) && this.scopeNamesTable(literal, table)) add(literal.getSourceFile(), literal.getStart() + 1, 'table-context');
      }
      for (const [node, via] of this.ormReferences(table, column)) add(node.getSourceFile(), node.getStart() + (tsApi.isStringLiteralLike(node) ? 1 : 0), via);
      for (const [literal, offset] of this.queryBuilderReferences(table, column)) add(literal.getSourceFile(), literal.getStart() + 1 + offset, 'typeorm');
    }
    return [...hits.values()].sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line || a.column - b.column);
  }

  private build(): void {
    if (this.built) return;
    if (!tsApi) throw new Error('CodeIndex: call `await index.load()` (or `await loadCodeTools()`) before `find()`');
    this.built = true;
    const options = this.compilerOptions();
    this.program = tsApi.createProgram({ rootNames: this.files, options, host: this.compilerHost(options) });
    this.checker = this.program.getTypeChecker();
    for (const file of this.program.getSourceFiles()) {
      if (file.isDeclarationFile || file.fileName.includes('/node_modules/')) continue;
      this.indexFile(file);
    }
  }

  /** The project's compiler options when a tsconfig is given, else defaults that read any TS/JS tree. */
  private compilerOptions(): ts.CompilerOptions {
    const scanOnly: ts.CompilerOptions = { allowJs: true, checkJs: false, noEmit: true, skipLibCheck: true };
    const defaults: ts.CompilerOptions = {
      strict: true,
      target: tsApi.ScriptTarget.ES2022,
      module: tsApi.ModuleKind.ESNext,
      moduleResolution: tsApi.ModuleResolutionKind.Bundler,
      jsx: tsApi.JsxEmit.Preserve,
      types: [],
    };
    const path = this.options.tsconfig;
    if (!path) return { ...defaults, ...scanOnly };
    const read = tsApi.readConfigFile(path, (p) => this.readSource(p));
    if (read.error) throw tsconfigError(path, read.error);
    const parsed = tsApi.parseJsonConfigFileContent(read.config, { ...tsApi.sys, readFile: (p) => this.readSource(p), fileExists: (p) => this.sourceExists(p) }, dirname(path), undefined, path);
    const fatal = parsed.errors.find((e) => e.category === tsApi.DiagnosticCategory.Error && e.code !== 18003); // 18003: no inputs (we pass our own files)
    if (fatal) throw tsconfigError(path, fatal);
    return { ...parsed.options, ...scanOnly };
  }

  /** A host that reads `options.files` (the code of a git ref) where given, the disk elsewhere. */
  private compilerHost(options: ts.CompilerOptions): ts.CompilerHost {
    const host = tsApi.createCompilerHost(options, true);
    if (!this.options.files) return host;
    return {
      ...host,
      fileExists: (p) => this.sourceExists(p),
      readFile: (p) => this.readSource(p),
      getSourceFile: (p, language) => {
        const text = this.readSource(p);
        return text === undefined ? undefined : tsApi.createSourceFile(p, text, language, true);
      },
      directoryExists: (d) => (this.inSnapshot(d) ? [...this.options.files!.keys()].some((f) => f.startsWith(d.endsWith(sep) ? d : d + sep)) : (host.directoryExists?.(d) ?? true)),
    };
  }

  private inSnapshot(path: string): boolean {
    const root = resolve(this.srcDir);
    return this.options.files !== undefined && (resolve(path) === root || resolve(path).startsWith(root + sep));
  }

  private readSource(path: string): string | undefined {
    if (this.options.files?.has(resolve(path))) return this.options.files.get(resolve(path));
    if (this.inSnapshot(path)) return undefined;
    return tsApi.sys.readFile(path);
  }

  private sourceExists(path: string): boolean {
    if (this.options.files?.has(resolve(path))) return true;
    if (this.inSnapshot(path)) return false;
    return tsApi.sys.fileExists(path);
  }

  /** Prisma field names, Drizzle column keys and TypeORM entity properties that read `table.column`. */
  private ormReferences(table: string, column: string): Array<[ts.Node, CodeReference['via']]> {
    const out: Array<[ts.Node, CodeReference['via']]> = [];
    const namedAfter = (name: string) => namedAfterTable(name, table);
    for (const node of [...(this.members.get(column) ?? []), ...(this.strings.get(column) ?? [])]) {
      if (isPrismaFieldReference(node, namedAfter)) out.push([node, 'prisma']);
    }
    for (const model of this.ormModels.get(table) ?? []) {
      for (const [key, columnName] of model.columns) {
        if (columnName.toLowerCase() !== column) continue;
        for (const node of this.members.get(key.toLowerCase()) ?? []) {
          const access = node.parent;
          if (model.kind === 'drizzle') {
            if (tsApi.isPropertyAccessExpression(access) && access.name === node && drizzleColumnOf(access, table, this.checker!)?.toLowerCase() === column) out.push([node, 'drizzle']);
          } else if (model.declaration && this.ownerIsClass(node, model.declaration)) {
            out.push([node, 'typeorm']);
          }
        }
      }
    }
    return out;
  }

  /** `'tenant.config'` in a QueryBuilder chain whose alias `tenant` is the entity of `table`. */
  private queryBuilderReferences(table: string, column: string): Array<[ts.StringLiteralLike, number]> {
    const properties = new Set([column]);
    for (const model of this.ormModels.get(table) ?? []) for (const [key, c] of model.columns) if (model.kind === 'typeorm' && c.toLowerCase() === column) properties.add(key);
    const out: Array<[ts.StringLiteralLike, number]> = [];
    for (const [text, literals] of this.strings) {
      for (const property of properties) {
        if (!text.includes(`.${property.toLowerCase()}`)) continue;
        for (const literal of literals) {
          const bound = (alias: string, chain: ts.Node) =>
            queryBuilderAliases(chain).some((a) => a.alias === alias && (a.entity ? this.entityTable(a.entity) === table : namedAfterTable(a.name, table)));
          for (const offset of queryBuilderColumnOffsets(literal, property, bound)) out.push([literal, offset]);
        }
      }
    }
    return out;
  }

  /** The table of the `@Entity` class an expression names, or its name when it is no entity. */
  private entityTable(expression: ts.Expression): string | undefined {
    let symbol = this.checker!.getSymbolAtLocation(expression);
    if (symbol && symbol.flags & tsApi.SymbolFlags.Alias) symbol = this.checker!.getAliasedSymbol(symbol);
    return entityTableOf(symbol?.declarations?.[0]);
  }

  /** Is the value `name` is a member of an instance of `declaration` (a TypeORM entity class)? */
  private ownerIsClass(name: ts.Node, declaration: ts.ClassDeclaration): boolean {
    const owner = ownerType(name, this.checker!);
    if (!owner) return false;
    const types = owner.isUnion() ? owner.types : [owner];
    return types.some((t) => {
      const target = this.checker!.getNonNullableType(t);
      const element = this.checker!.isArrayType(target) ? undefined : target;
      return element?.getSymbol()?.declarations?.includes(declaration) ?? false;
    });
  }

  private inModelDeclaration(node: ts.Node): boolean {
    for (let n: ts.Node | undefined = node.parent; n && !tsApi.isSourceFile(n); n = n.parent) if (this.modelDeclarations.has(n)) return true;
    return false;
  }

  /** Records Drizzle table declarations and TypeORM entity classes, for ormReferences. */
  private indexOrmModel(node: ts.Node): void {
    if (tsApi.isVariableDeclaration(node) && node.initializer && tsApi.isCallExpression(node.initializer)) {
      const call = node.initializer;
      const callee = call.expression;
      const factory = tsApi.isIdentifier(callee) ? callee.text : tsApi.isPropertyAccessExpression(callee) ? callee.name.text : '';
      const [name, columns] = call.arguments;
      if (/^(pgTable|sqliteTable|mysqlTable|table)$/.test(factory) && name && tsApi.isStringLiteralLike(name) && columns && tsApi.isObjectLiteralExpression(columns)) {
        const map = new Map<string, string>();
        for (const p of columns.properties) {
          if (!tsApi.isPropertyAssignment(p)) continue;
          const key = propertyNameText(p.name);
          if (key) map.set(key, drizzleColumnName(p.initializer) ?? key);
        }
        push(this.ormModels, name.text.toLowerCase(), { kind: 'drizzle', columns: map });
        this.modelDeclarations.add(columns);
      }
    } else if (tsApi.isClassDeclaration(node)) {
      const table = entityTableOf(node);
      if (table) {
        const map = new Map<string, string>();
        for (const member of node.members) {
          const key = member.name ? propertyNameText(member.name) : undefined;
          if (key && tsApi.isPropertyDeclaration(member)) map.set(key, entityColumnOf(member) ?? key);
        }
        push(this.ormModels, table, { kind: 'typeorm', columns: map, declaration: node });
      }
    }
  }

  private indexFile(file: ts.SourceFile): void {
    const visit = (node: ts.Node): void => {
      this.indexOrmModel(node);
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
    const refs = sqlReferences(pieces.text, this.options.dialect ?? 'postgres');
    if (!refs) return;
    for (const t of refs.tables) push(this.sqlTables, t.table.toLowerCase(), { file, pos: pieces.toFile(t.offset), write: t.write === true });
    for (const c of refs.columns) {
      push(this.sqlColumns, c.column.toLowerCase(), { file, pos: pieces.toFile(c.offset), column: c.column, tables: c.tables.map((t) => t.toLowerCase()), qualified: c.qualified, write: c.write === true });
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

interface OrmModel {
  kind: 'drizzle' | 'typeorm';
  /** Property key → database column. */
  columns: Map<string, string>;
  /** The entity class (TypeORM). */
  declaration?: ts.ClassDeclaration;
}

/** `jsonb('config').notNull()` → 'config'. */
function drizzleColumnName(expression: ts.Expression): string | undefined {
  let node: ts.Expression = expression;
  while (tsApi.isCallExpression(node) && tsApi.isPropertyAccessExpression(node.expression) && tsApi.isCallExpression(node.expression.expression)) node = node.expression.expression;
  const first = tsApi.isCallExpression(node) ? node.arguments[0] : undefined;
  return first && tsApi.isStringLiteralLike(first) ? first.text : undefined;
}

function tsconfigError(path: string, diagnostic: ts.Diagnostic): LockstepError {
  return new LockstepError(`cannot read ${path}: ${tsApi.flattenDiagnosticMessageText(diagnostic.messageText, '\n')}`, {
    hint: 'lint reads the project\'s tsconfig.json for its compiler options (path aliases); fix it, or point --src at a folder without it.',
  });
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

/** `{ config: … }`: a key of an object literal sets the column (an insert or update payload). */
function isObjectLiteralKey(name: ts.Node): boolean {
  const parent = name.parent;
  return (tsApi.isPropertyAssignment(parent) || tsApi.isShorthandPropertyAssignment(parent)) && tsApi.isObjectLiteralExpression(parent.parent);
}

function toReference(file: ts.SourceFile, pos: number, via: CodeReference['via'], access: CodeReference['access']): CodeReference {
  const { line, character } = file.getLineAndCharacterOfPosition(pos);
  const lineStart = file.getPositionOfLineAndCharacter(line, 0);
  const lineEnd = file.getLineEndOfPosition(pos);
  return { file: file.fileName, line: line + 1, column: character + 1, text: file.text.slice(lineStart, lineEnd).trim(), via, access };
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
