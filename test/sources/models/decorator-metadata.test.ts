import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import ts from 'typescript';
import { addDecoratorMetadata } from '../../../src/sources/models/decorator-metadata.js';
import { REPO_ROOT } from '../../helpers/model-fixtures.js';

// The metadata written into the source for esbuild must be what TypeScript's own
// emitDecoratorMetadata gives (TypeORM infers column types from design:type).

const require = createRequire(join(REPO_ROOT, 'package.json'));
require('reflect-metadata');
const esbuild = require('esbuild') as { transformSync(s: string, o: object): { code: string } };

const SOURCE = `
import { Column, Entity, ManyToOne, OneToMany, PrimaryGeneratedColumn, BeforeInsert } from 'typeorm';

export enum Role { Admin, User }
export enum Status { Open = 'open', Closed = 'closed' }
enum Mixed { A = 1, B = 'b' }
type Id = string;
type Maybe = number | null;
interface Settings { theme: string }

@Entity('teams')
export class Team {
  @PrimaryGeneratedColumn() id!: number;
  @OneToMany(() => Member, (m) => m.team) members!: Member[];
}

@Entity('members')
export class Member {
  @PrimaryGeneratedColumn('uuid') id!: Id;
  @Column() name!: string;
  @Column() age!: number;
  @Column() active!: boolean;
  @Column({ nullable: true }) nickname!: string | null;
  @Column({ nullable: true }) score?: Maybe;
  @Column() joined!: Date;
  @Column('simple-array') tags!: string[];
  @Column('simple-json') settings!: Settings;
  @Column('simple-json') raw!: { a: number };
  @Column() role!: Role;
  @Column() status!: Status;
  @Column() mixed!: Mixed;
  @Column() literal!: 'a' | 'b';
  @Column() numbers!: 1 | 2;
  @Column() flag!: true;
  @Column() either!: string | number;
  @Column() big!: bigint;
  @Column() anything!: any;
  @Column() unknownValue!: unknown;
  @Column() tuple!: [number, string];
  @Column() fn!: () => void;
  @Column() readonlyList!: readonly string[];
  @Column() untyped: any;
  @ManyToOne(() => Team, (t) => t.members) team!: Team;
  @ManyToOne(() => Team) lazyTeam!: Promise<Team>;
  @BeforeInsert() stamp(at: Date, count: number): void {}
}
`;

function evaluate(code: string): Record<string, any> {
  const module = { exports: {} as Record<string, any> };
  new Function('require', 'module', 'exports', code)(require, module, module.exports);
  return module.exports;
}

function metadataOf(exports: Record<string, any>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const className of ['Team', 'Member']) {
    const prototype = exports[className].prototype;
    for (const property of [...Object.getOwnPropertyNames(prototype), 'id', 'members', 'name', 'age', 'active', 'nickname', 'score', 'joined', 'tags', 'settings', 'raw', 'role', 'status', 'mixed', 'literal', 'numbers', 'flag', 'either', 'big', 'anything', 'unknownValue', 'tuple', 'fn', 'readonlyList', 'untyped', 'team', 'lazyTeam']) {
      for (const key of ['design:type', 'design:paramtypes', 'design:returntype']) {
        if (!Reflect.hasOwnMetadata(key, prototype, property)) continue;
        const value = Reflect.getOwnMetadata(key, prototype, property);
        const name = (v: unknown) => (typeof v === 'function' ? (v === exports.Team ? 'Team' : v.name) : String(v));
        out[`${className}.${property} ${key}`] = Array.isArray(value) ? value.map(name) : name(value);
      }
    }
  }
  return out;
}

describe('decorator metadata for esbuild', () => {
  test('matches TypeScript emitDecoratorMetadata for every annotation shape TypeORM entities use', () => {
    const reference = ts.transpileModule(SOURCE, {
      fileName: 'members.ts',
      compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, experimentalDecorators: true, emitDecoratorMetadata: true, useDefineForClassFields: false },
    }).outputText;
    const ours = esbuild.transformSync(addDecoratorMetadata(ts, SOURCE, 'members.ts'), {
      loader: 'ts',
      format: 'cjs',
      target: 'es2022',
      tsconfigRaw: { compilerOptions: { experimentalDecorators: true, useDefineForClassFields: false } },
    }).code;
    const expected = metadataOf(evaluate(reference));
    assert.ok(Object.keys(expected).length > 25, JSON.stringify(expected));
    assert.deepEqual(metadataOf(evaluate(ours)), expected);
  });

  test('inserted text adds no line: line numbers in stack traces stay the file’s own', () => {
    const out = addDecoratorMetadata(ts, SOURCE, 'members.ts');
    assert.equal(out.split('\n').slice(0, SOURCE.split('\n').length).length, SOURCE.split('\n').length);
    const lineOf = (text: string, needle: string) => text.slice(0, text.indexOf(needle)).split('\n').length;
    assert.equal(lineOf(out, 'lazyTeam!'), lineOf(SOURCE, 'lazyTeam!'));
    assert.equal(lineOf(out, 'stamp(at'), lineOf(SOURCE, 'stamp(at'));
  });
});
