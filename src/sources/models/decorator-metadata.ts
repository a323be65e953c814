import type ts from 'typescript';

/** The helper the inserted decorators call, appended to the file (a hoisted function: no line moves). */
const HELPER = '__lockstepMetadata';
const HELPER_SOURCE = `\nfunction ${HELPER}(key, value) { return function (target, property) { if (typeof Reflect === "object" && typeof Reflect.defineMetadata === "function") Reflect.defineMetadata(key, value, target, property); }; }\n`;

/**
 * TypeScript's `emitDecoratorMetadata`, written into the source so that a compiler without
 * it (esbuild) can compile decorated model files: after the last decorator of each decorated
 * property, method and class, a decorator that records `design:type` (methods:
 * `design:paramtypes`, `design:returntype`; classes: the constructor's `design:paramtypes`),
 * serialized from the type annotation the way TypeScript's transpiler does without a type
 * checker across files (`serializeTypeNode`): `string` → String, `string | null` → String,
 * `number[]` → Array, a same-file enum → Number or String, a same-file type alias → what it
 * aliases, any other name → that value if it exists at run time, else Object. Only the
 * parser is used (`ts.createSourceFile`); inserted text never adds a line, so stack traces
 * keep their line numbers.
 *
 * @example
 * const withMetadata = addDecoratorMetadata(ts, source, 'user.ts'); // then esbuild with experimentalDecorators
 */
export function addDecoratorMetadata(api: typeof ts, source: string, fileName: string): string {
  const file = api.createSourceFile(fileName, source, api.ScriptTarget.Latest, false, fileName.endsWith('x') ? api.ScriptKind.TSX : api.ScriptKind.TS);
  const serializer = new TypeSerializer(api, file);
  const inserts: Array<{ at: number; text: string }> = [];
  const decorate = (node: ts.Node, entries: Array<[string, string]>) => {
    const decorators = api.canHaveDecorators(node) ? api.getDecorators(node) : undefined;
    if (!decorators || decorators.length === 0) return;
    const at = decorators[decorators.length - 1]!.end;
    inserts.push({ at, text: entries.map(([key, value]) => ` @${HELPER}(${JSON.stringify(key)}, ${value})`).join('') });
  };
  const visit = (node: ts.Node): void => {
    if (api.isClassDeclaration(node) || api.isClassExpression(node)) {
      const ctor = node.members.find(api.isConstructorDeclaration);
      if (ctor) decorate(node, [['design:paramtypes', serializer.parameters(ctor)]]);
      for (const member of node.members) {
        if (api.isPropertyDeclaration(member)) decorate(member, [['design:type', serializer.type(member.type)]]);
        else if (api.isMethodDeclaration(member)) {
          decorate(member, [
            ['design:type', 'Function'],
            ['design:paramtypes', serializer.parameters(member)],
            ['design:returntype', member.type ? serializer.type(member.type) : 'void 0'],
          ]);
        } else if (api.isGetAccessorDeclaration(member) || api.isSetAccessorDeclaration(member)) {
          const type = api.isGetAccessorDeclaration(member) ? member.type : member.parameters[0]?.type;
          decorate(member, [['design:type', serializer.type(type)]]);
        }
      }
    }
    api.forEachChild(node, visit);
  };
  visit(file);
  if (inserts.length === 0) return source;
  let out = '';
  let from = 0;
  for (const insert of inserts.sort((a, b) => a.at - b.at)) {
    out += source.slice(from, insert.at) + insert.text;
    from = insert.at;
  }
  return out + source.slice(from) + HELPER_SOURCE;
}

/** TypeScript's metadata serialization of a type annotation, to a JavaScript expression. */
class TypeSerializer {
  /** Same-file declarations by name: enums, type aliases, interfaces, classes. */
  private readonly declarations = new Map<string, ts.Node>();
  private readonly expanding = new Set<string>();

  constructor(
    private readonly api: typeof ts,
    file: ts.SourceFile,
  ) {
    for (const statement of file.statements) {
      if ((api.isEnumDeclaration(statement) || api.isTypeAliasDeclaration(statement) || api.isInterfaceDeclaration(statement) || api.isClassDeclaration(statement)) && statement.name) {
        this.declarations.set(statement.name.text, statement);
      }
    }
  }

  parameters(fn: ts.SignatureDeclarationBase): string {
    return `[${fn.parameters.filter((p) => !(this.api.isIdentifier(p.name) && p.name.text === 'this')).map((p) => this.type(p.dotDotDotToken && p.type && this.api.isArrayTypeNode(p.type) ? p.type : p.type)).join(', ')}]`;
  }

  type(node: ts.TypeNode | undefined): string {
    const api = this.api;
    if (!node) return 'Object';
    const k = api.SyntaxKind;
    switch (node.kind) {
      case k.VoidKeyword:
      case k.UndefinedKeyword:
      case k.NeverKeyword:
        return 'void 0';
      case k.StringKeyword:
      case k.TemplateLiteralType:
        return 'String';
      case k.NumberKeyword:
        return 'Number';
      case k.BigIntKeyword:
        return 'typeof BigInt === "function" ? BigInt : Object';
      case k.BooleanKeyword:
      case k.TypePredicate:
        return 'Boolean';
      case k.SymbolKeyword:
        return 'typeof Symbol === "function" ? Symbol : Object';
      case k.ArrayType:
      case k.TupleType:
        return 'Array';
      case k.FunctionType:
      case k.ConstructorType:
        return 'Function';
      case k.ParenthesizedType:
        return this.type((node as ts.ParenthesizedTypeNode).type);
      case k.TypeOperator:
        return (node as ts.TypeOperatorNode).operator === k.ReadonlyKeyword ? this.type((node as ts.TypeOperatorNode).type) : 'Object';
      case k.LiteralType:
        return this.literal((node as ts.LiteralTypeNode).literal);
      case k.UnionType:
      case k.IntersectionType:
        return this.union((node as ts.UnionOrIntersectionTypeNode).types, node.kind === k.IntersectionType);
      case k.TypeReference:
        return this.reference(node as ts.TypeReferenceNode);
      default:
        // any, unknown, object, type literals, mapped, indexed, conditional, typeof, this, imports.
        return 'Object';
    }
  }

  private literal(literal: ts.LiteralTypeNode['literal']): string {
    const k = this.api.SyntaxKind;
    switch (literal.kind) {
      case k.StringLiteral:
      case k.NoSubstitutionTemplateLiteral:
        return 'String';
      case k.NumericLiteral:
      case k.PrefixUnaryExpression:
        return 'Number';
      case k.BigIntLiteral:
        return 'typeof BigInt === "function" ? BigInt : Object';
      case k.TrueKeyword:
      case k.FalseKeyword:
        return 'Boolean';
      case k.NullKeyword:
        return 'void 0';
      default:
        return 'Object';
    }
  }

  /** TypeScript's rule, with strictNullChecks off as the transpiler runs: null and undefined drop out, one kind left or Object. */
  private union(types: readonly ts.TypeNode[], intersection: boolean): string {
    const k = this.api.SyntaxKind;
    let serialized: string | undefined;
    for (let node of types) {
      while (this.api.isParenthesizedTypeNode(node)) node = node.type;
      if (node.kind === k.NeverKeyword) {
        if (intersection) return 'void 0';
        continue;
      }
      if (node.kind === k.UnknownKeyword) {
        if (!intersection) return 'Object';
        continue;
      }
      if (node.kind === k.AnyKeyword) return 'Object';
      if ((this.api.isLiteralTypeNode(node) && node.literal.kind === k.NullKeyword) || node.kind === k.UndefinedKeyword) continue;
      const part = this.type(node);
      if (part === 'Object') return 'Object';
      if (serialized !== undefined && serialized !== part) return 'Object';
      serialized = part;
    }
    return serialized ?? 'void 0';
  }

  private reference(node: ts.TypeReferenceNode): string {
    const api = this.api;
    if (api.isIdentifier(node.typeName)) {
      const name = node.typeName.text;
      const declaration = this.declarations.get(name);
      if (declaration && api.isEnumDeclaration(declaration)) return this.enumType(declaration);
      if (declaration && api.isInterfaceDeclaration(declaration)) return 'Object';
      if (declaration && api.isTypeAliasDeclaration(declaration)) {
        if (this.expanding.has(name)) return 'Object';
        this.expanding.add(name);
        try {
          return this.type(declaration.type);
        } finally {
          this.expanding.delete(name);
        }
      }
    }
    // A class or a global (Date, Promise, an imported entity): the value when there is one
    // at run time. A class declared later in the file is not yet initialized: Object.
    const path = entityName(api, node.typeName);
    return `(function () { try { return typeof ${path} === "function" ? ${path} : Object; } catch (e) { return Object; } })()`;
  }

  private enumType(declaration: ts.EnumDeclaration): string {
    const api = this.api;
    let kind: 'number' | 'string' | undefined;
    for (const member of declaration.members) {
      const init = member.initializer;
      const memberKind = !init || api.isNumericLiteral(init) || api.isPrefixUnaryExpression(init) ? 'number' : api.isStringLiteralLike(init) ? 'string' : undefined;
      if (!memberKind || (kind && kind !== memberKind)) return 'Object';
      kind = memberKind;
    }
    return kind === 'string' ? 'String' : 'Number';
  }
}

function entityName(api: typeof ts, name: ts.EntityName): string {
  return api.isIdentifier(name) ? name.text : `${entityName(api, name.left)}.${name.right.text}`;
}
