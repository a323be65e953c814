/**
 * The part of Prisma's DMMF datamodel (`get_datamodel` of `@prisma/prisma-schema-wasm`) lockstep reads:
 * described by the members used, not imported from Prisma's types (the package is the
 * user's, loaded at run time).
 */

export interface DmmfDatamodel {
  models: DmmfModel[];
  enums: DmmfEnum[];
  indexes?: DmmfIndex[];
}

export interface DmmfModel {
  name: string;
  dbName: string | null;
  schema?: string | null;
  fields: DmmfField[];
  primaryKey: { name: string | null; fields: string[] } | null;
}

export type DmmfDefault = string | number | boolean | unknown[] | { name: string; args: unknown[] };

export interface DmmfField {
  name: string;
  dbName?: string | null;
  kind: 'scalar' | 'object' | 'enum' | 'unsupported';
  isList: boolean;
  isRequired: boolean;
  isUnique: boolean;
  isId: boolean;
  hasDefaultValue: boolean;
  type: string;
  nativeType?: [string, string[]] | null;
  default?: DmmfDefault;
  isUpdatedAt?: boolean;
  relationName?: string;
  relationFromFields?: string[];
  relationToFields?: string[];
  relationOnDelete?: string;
  relationOnUpdate?: string;
}

export interface DmmfEnum {
  name: string;
  dbName?: string | null;
  schema?: string | null;
  values: Array<{ name: string; dbName: string | null }>;
}

export interface DmmfIndex {
  model: string;
  type: 'id' | 'unique' | 'normal' | 'fulltext';
  isDefinedOnField: boolean;
  dbName?: string;
  name?: string;
  algorithm?: string;
  fields: Array<{ name: string; sortOrder?: 'asc' | 'desc'; length?: number; operatorClass?: string }>;
}

/** What `@prisma/prisma-schema-wasm` exports that lockstep calls. */
export interface PrismaSchemaWasm {
  /** The models only (get_dmmf adds Prisma Client's query schema); throws Prisma's errors. */
  get_datamodel(params: string): string;
  validate(params: string): void;
  get_config(params: string): string;
}
