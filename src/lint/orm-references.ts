import type ts from 'typescript';

// The TypeScript compiler is loaded on first use by loadCodeTools (code-references.ts),
// which hands it over here: a worker or probe importing lint never loads it.
let tsApi: typeof ts;

/** Called by loadCodeTools once the compiler is loaded. */
export function bindTypeScript(api: typeof ts): void {
  tsApi = api;
}

/**
 * Code that reads a table or column through an ORM rather than SQL (issue 10 item 4):
 * - Prisma client calls naming the field: `prisma.tenant.findMany({ select: { config: true } })`,
 *   also in `where`, `data`, `orderBy`, `include`, `omit`, `cursor`, `distinct: ['config']`;
 * - Drizzle column references: `tenants.config`, where `tenants` is a `pgTable('tenants', …)`
 *   (or `sqliteTable`) declared anywhere in the project, also under another key
 *   (`settings: jsonb('config')`);
 * - TypeORM: members of a value whose type is the `@Entity('tenants')` class, whatever the
 *   class is called, and QueryBuilder strings (`'tenant.config'`) whose alias the same
 *   chain binds to the entity (`getRepository(Tenant).createQueryBuilder('tenant')`,
 *   `.from(Tenant, 'tenant')`, `.leftJoin('order.tenant', 'tenant')`).
 * Everything is decided from syntax and declarations, so it works without the ORM's
 * generated types installed.
 */

/** Prisma client methods whose argument object names fields of the model. */
const PRISMA_METHODS = new Set([
  'findMany', 'findFirst', 'findFirstOrThrow', 'findUnique', 'findUniqueOrThrow', 'create', 'createMany',
  'createManyAndReturn', 'update', 'updateMany', 'updateManyAndReturn', 'upsert', 'delete', 'deleteMany',
  'count', 'aggregate', 'groupBy',
]);
/** Keys of a Prisma argument whose object's keys are the model's own fields. */
const PRISMA_FIELD_KEYS = new Set(['select', 'where', 'data', 'orderBy', 'include', 'omit', 'cursor', 'having', 'create', 'update', '_count', '_sum', '_avg', '_min', '_max']);
/** Keys that nest another condition on the same model. */
const PRISMA_COMBINATORS = new Set(['AND', 'OR', 'NOT']);
/** Keys whose array of strings names fields. */
const PRISMA_FIELD_LISTS = new Set(['distinct', 'by']);

const TABLE_FACTORIES = /^(pgTable|sqliteTable|mysqlTable|table)$/;

/**
 * Is `key` (a property name in an object literal, or a string in `distinct: [...]`) a field
 * of the model that `table` maps to, in a Prisma client call? `namedAfter` decides
 * whether a client property (`tenant`) names the table.
 */
export function isPrismaFieldReference(key: ts.Node, namedAfter: (name: string) => boolean): boolean {
  let node: ts.Node = key.parent;
  // distinct: ['config'], by: ['config']
  if (tsApi.isStringLiteralLike(key)) {
    if (!tsApi.isArrayLiteralExpression(node) || !tsApi.isPropertyAssignment(node.parent) || !PRISMA_FIELD_LISTS.has(nameOf(node.parent.name) ?? '')) return false;
    node = node.parent.parent; // the argument object
    return isPrismaArgument(node, namedAfter);
  }
  if (!(tsApi.isPropertyAssignment(node) || tsApi.isShorthandPropertyAssignment(node))) return false;
  let object = node.parent;
  let sawFieldKey = false;
  for (;;) {
    if (!tsApi.isObjectLiteralExpression(object)) return false;
    let holder: ts.Node = object.parent;
    // orderBy: [{ config: 'asc' }], AND: [{ … }]
    if (tsApi.isArrayLiteralExpression(holder)) holder = holder.parent;
    if (tsApi.isCallExpression(holder)) return sawFieldKey && isPrismaCall(holder, object, namedAfter);
    if (!tsApi.isPropertyAssignment(holder)) return false;
    const name = nameOf(holder.name) ?? '';
    if (PRISMA_FIELD_KEYS.has(name)) sawFieldKey = true;
    else if (!PRISMA_COMBINATORS.has(name)) return false; // a relation field: another model's fields below
    object = holder.parent;
  }
}

function isPrismaArgument(object: ts.Node, namedAfter: (name: string) => boolean): boolean {
  return tsApi.isObjectLiteralExpression(object) && tsApi.isCallExpression(object.parent) && isPrismaCall(object.parent, object, namedAfter);
}

/** `<anything>.<model>.<method>(args)` with a Prisma method and a model named after the table. */
function isPrismaCall(call: ts.CallExpression, argument: ts.Node, namedAfter: (name: string) => boolean): boolean {
  if (call.arguments[0] !== argument) return false;
  const callee = call.expression;
  if (!tsApi.isPropertyAccessExpression(callee) || !PRISMA_METHODS.has(callee.name.text)) return false;
  const model = callee.expression;
  return tsApi.isPropertyAccessExpression(model) && namedAfter(model.name.text);
}

/**
 * Is `access` (`tenants.config`) a column of a Drizzle table declared for `table`? Returns
 * the column's database name when the member is a column key of that table, else null.
 */
export function drizzleColumnOf(access: ts.PropertyAccessExpression, table: string, checker: ts.TypeChecker): string | null {
  const declaration = declarationOf(access.expression, checker);
  if (!declaration) return null;
  const call = unwrap(declaration);
  if (!call || !tsApi.isCallExpression(call)) return null;
  if (!isTableFactory(call.expression)) return null;
  const [nameArg, columnsArg] = call.arguments;
  if (!nameArg || !tsApi.isStringLiteralLike(nameArg) || nameArg.text.toLowerCase() !== table) return null;
  if (!columnsArg || !tsApi.isObjectLiteralExpression(columnsArg)) return null;
  const key = access.name.text;
  for (const property of columnsArg.properties) {
    if (!tsApi.isPropertyAssignment(property) || nameOf(property.name) !== key) continue;
    return columnNameOf(property.initializer) ?? key;
  }
  return null;
}

/** `text('config')…notNull()` → 'config' (the first string argument of the innermost call). */
function columnNameOf(expression: ts.Expression): string | null {
  let node: ts.Expression = expression;
  while (tsApi.isCallExpression(node)) {
    const callee = node.expression;
    if (tsApi.isPropertyAccessExpression(callee) && tsApi.isCallExpression(callee.expression)) node = callee.expression;
    else break;
  }
  if (tsApi.isCallExpression(node) && node.arguments[0] && tsApi.isStringLiteralLike(node.arguments[0])) return node.arguments[0].text;
  return null;
}

function isTableFactory(callee: ts.Expression): boolean {
  if (tsApi.isIdentifier(callee)) return TABLE_FACTORIES.test(callee.text);
  if (tsApi.isPropertyAccessExpression(callee)) return TABLE_FACTORIES.test(callee.name.text);
  return false;
}

/** The initializer of the variable an identifier refers to (following imports). */
function declarationOf(expression: ts.Expression, checker: ts.TypeChecker): ts.Expression | undefined {
  if (!tsApi.isIdentifier(expression)) return undefined;
  let symbol = checker.getSymbolAtLocation(expression);
  if (symbol && symbol.flags & tsApi.SymbolFlags.Alias) symbol = checker.getAliasedSymbol(symbol);
  const declaration = symbol?.declarations?.[0];
  return declaration && tsApi.isVariableDeclaration(declaration) ? declaration.initializer : undefined;
}

function unwrap(expression: ts.Expression | undefined): ts.Expression | undefined {
  let node = expression;
  while (node && (tsApi.isParenthesizedExpression(node) || tsApi.isAsExpression(node) || tsApi.isSatisfiesExpression(node))) node = node.expression;
  return node;
}

/** The table an `@Entity('tenants')` / `@Entity({ name: 'tenants' })` class maps to; undefined for other classes. */
export function entityTableOf(declaration: ts.Declaration | undefined): string | undefined {
  if (!declaration || !tsApi.isClassDeclaration(declaration)) return undefined;
  for (const decorator of tsApi.getDecorators(declaration) ?? []) {
    const call = decorator.expression;
    if (!tsApi.isCallExpression(call) || !tsApi.isIdentifier(call.expression) || call.expression.text !== 'Entity') continue;
    const arg = call.arguments[0];
    if (!arg) return declaration.name ? snakeCaseOfClass(declaration.name.text) : undefined;
    if (tsApi.isStringLiteralLike(arg)) return arg.text.toLowerCase();
    if (tsApi.isObjectLiteralExpression(arg)) {
      for (const p of arg.properties) if (tsApi.isPropertyAssignment(p) && nameOf(p.name) === 'name' && tsApi.isStringLiteralLike(p.initializer)) return p.initializer.text.toLowerCase();
    }
    return declaration.name ? snakeCaseOfClass(declaration.name.text) : undefined;
  }
  return undefined;
}

/** TypeORM's default table name for `@Entity()` on class `TenantSetting`: `tenant_setting`. */
function snakeCaseOfClass(name: string): string {
  return name.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase();
}

/** The database column a TypeORM entity property maps to (`@Column({ name: 'config' }) settings`). */
export function entityColumnOf(property: ts.Declaration | undefined): string | undefined {
  if (!property || !tsApi.isPropertyDeclaration(property)) return undefined;
  const key = nameOf(property.name);
  for (const decorator of tsApi.getDecorators(property) ?? []) {
    const call = decorator.expression;
    if (!tsApi.isCallExpression(call)) continue;
    for (const arg of call.arguments) {
      if (!tsApi.isObjectLiteralExpression(arg)) continue;
      for (const p of arg.properties) if (tsApi.isPropertyAssignment(p) && nameOf(p.name) === 'name' && tsApi.isStringLiteralLike(p.initializer)) return p.initializer.text;
    }
  }
  return key;
}

/**
 * Offsets (in the literal's text) of `alias.column` in a TypeORM QueryBuilder string whose
 * alias the surrounding call chain binds to `table`.
 */
export function queryBuilderColumnOffsets(literal: ts.StringLiteralLike, column: string, tableOfAlias: (alias: string, chain: ts.Node) => boolean): number[] {
  const text = literal.text;
  const pattern = new RegExp(`(?<![A-Za-z0-9_$.])([A-Za-z_$][\\w$]*)\\.${escape(column)}(?![A-Za-z0-9_$])`, 'gi');
  const chain = outermostChain(literal);
  if (!chain || !chainCalls(chain).some((c) => c === 'createQueryBuilder')) return [];
  const out: number[] = [];
  for (let match = pattern.exec(text); match; match = pattern.exec(text)) {
    if (tableOfAlias(match[1]!, chain)) out.push(match.index);
  }
  return out;
}

/**
 * Aliases a QueryBuilder chain binds, with what they name: `createQueryBuilder('t')` on
 * `getRepository(Tenant)` / `tenantRepository` / `manager.createQueryBuilder(Tenant, 't')`,
 * `.from(Tenant, 't')`, and joins `.leftJoin('o.tenant', 't')` (a relation property).
 */
export function queryBuilderAliases(chain: ts.Node): Array<{ alias: string; entity: ts.Expression | null; name: string }> {
  const out: Array<{ alias: string; entity: ts.Expression | null; name: string }> = [];
  const visit = (node: ts.Node) => {
    if (tsApi.isCallExpression(node) && tsApi.isPropertyAccessExpression(node.expression)) {
      const method = node.expression.name.text;
      const args = node.arguments;
      const str = (i: number) => (args[i] && tsApi.isStringLiteralLike(args[i]!) ? (args[i] as ts.StringLiteralLike).text : undefined);
      if (method === 'createQueryBuilder') {
        if (str(0) !== undefined) out.push({ alias: str(0)!, ...receiverEntity(node.expression.expression) });
        else if (args[0] && str(1) !== undefined) out.push({ alias: str(1)!, entity: args[0]!, name: args[0]!.getText() });
      } else if (method === 'from' && args[0] && str(1) !== undefined) {
        out.push({ alias: str(1)!, entity: args[0]!, name: args[0]!.getText() });
      } else if (/^(inner|left)Join(AndSelect|AndMap\w*)?$/.test(method) && str(1) !== undefined) {
        const target = args[0]!;
        if (tsApi.isStringLiteralLike(target)) out.push({ alias: str(1)!, entity: null, name: target.text.split('.').pop()! });
        else out.push({ alias: str(1)!, entity: target, name: target.getText() });
      }
    }
    tsApi.forEachChild(node, visit);
  };
  visit(chain);
  return out;
}

/** `getRepository(Tenant)` → Tenant; `this.tenantRepository` → its name. */
function receiverEntity(receiver: ts.Expression): { entity: ts.Expression | null; name: string } {
  if (tsApi.isCallExpression(receiver) && tsApi.isPropertyAccessExpression(receiver.expression) && receiver.expression.name.text === 'getRepository' && receiver.arguments[0]) {
    return { entity: receiver.arguments[0], name: receiver.arguments[0].getText() };
  }
  if (tsApi.isCallExpression(receiver) && tsApi.isIdentifier(receiver.expression) && receiver.expression.text === 'getRepository' && receiver.arguments[0]) {
    return { entity: receiver.arguments[0], name: receiver.arguments[0].getText() };
  }
  const name = tsApi.isPropertyAccessExpression(receiver) ? receiver.name.text : tsApi.isIdentifier(receiver) ? receiver.text : '';
  return { entity: null, name: name.replace(/(Repository|Repo)$/i, '') };
}

/** The whole statement-level expression a node is part of (a fluent chain). */
function outermostChain(node: ts.Node): ts.Node | undefined {
  let current: ts.Node = node;
  while (current.parent && !tsApi.isStatement(current.parent) && !tsApi.isSourceFile(current.parent) && !tsApi.isBlock(current.parent) && !tsApi.isArrowFunction(current.parent)) current = current.parent;
  return current;
}

function chainCalls(chain: ts.Node): string[] {
  const out: string[] = [];
  const visit = (node: ts.Node) => {
    if (tsApi.isCallExpression(node) && tsApi.isPropertyAccessExpression(node.expression)) out.push(node.expression.name.text);
    tsApi.forEachChild(node, visit);
  };
  visit(chain);
  return out;
}

function nameOf(name: ts.PropertyName): string | undefined {
  if (tsApi.isIdentifier(name) || tsApi.isStringLiteralLike(name)) return name.text;
  return undefined;
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
