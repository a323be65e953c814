// npm run bench:models-orms: loads and converts a 300-model schema written as Drizzle
// tables and as TypeORM entities (each model: 8 columns, a foreign key to the previous
// model, a unique and an index; TypeORM also with a @ManyToMany junction table every 10th
// model), cold (first load, compiler and ORM packages included) and warm (median of 5).
// Target: under 1 s each. Files are written under .lockstep/ so the repository's
// node_modules resolve the ORM packages as a project's would.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadModels } from '../src/sources/models/index.js';

const MODELS = Number(process.env.BENCH_MODELS ?? 300);
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const dir = join(ROOT, '.lockstep', `bench-models-${process.pid}`);

function drizzleSchema(): string {
  const out = [`import { bigint, boolean, index, integer, numeric, pgTable, serial, text, timestamp, varchar } from 'drizzle-orm/pg-core';`];
  for (let i = 0; i < MODELS; i++) {
    const ref = i > 0 ? `\n  parentId: integer('parent_id').references(() => model${i - 1}.id, { onDelete: 'cascade' }),` : '';
    out.push(`export const model${i} = pgTable('model_${i}', {
  id: serial('id').primaryKey(),
  code: varchar('code', { length: 40 }).notNull().unique(),
  name: text('name').notNull().default('unnamed'),
  active: boolean('active').notNull().default(true),
  amount: numeric('amount', { precision: 12, scale: 2 }),
  counter: bigint('counter', { mode: 'number' }),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),${ref}
}, (t) => [index('model_${i}_name_idx').on(t.name)]);`);
  }
  return out.join('\n\n') + '\n';
}

function typeormModels(): string {
  const out = [`import 'reflect-metadata';
import { Column, CreateDateColumn, DataSource, Entity, Index, JoinTable, ManyToMany, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';`];
  for (let i = 0; i < MODELS; i++) {
    const ref = i > 0 ? `\n  @ManyToOne(() => Model${i - 1}, { onDelete: 'CASCADE' })\n  parent!: Model${i - 1};\n` : '';
    const m2m = i > 0 && i % 10 === 0 ? `\n  @ManyToMany(() => Model${i - 1})\n  @JoinTable()\n  peers!: Model${i - 1}[];\n` : '';
    out.push(`@Entity('model_${i}')
@Index('model_${i}_name_idx', ['name'])
export class Model${i} {
  @PrimaryGeneratedColumn()
  id!: number;

  @Column({ length: 40, unique: true })
  code!: string;

  @Column({ default: 'unnamed' })
  name!: string;

  @Column({ default: true })
  active!: boolean;

  @Column('decimal', { precision: 12, scale: 2, nullable: true })
  amount!: string | null;

  @Column('bigint', { nullable: true })
  counter!: string | null;

  @CreateDateColumn({ name: 'created_at' })
  createdAt!: Date;
${ref}${m2m}}`);
  }
  out.push(`export const AppDataSource = new DataSource({ type: 'postgres', entities: [${Array.from({ length: MODELS }, (_, i) => `Model${i}`).join(', ')}] });`);
  return out.join('\n\n') + '\n';
}

async function time(file: string): Promise<{ cold: number; warm: number; tables: number }> {
  let start = performance.now();
  const first = await loadModels(file, { cwd: ROOT });
  const cold = performance.now() - start;
  if (first.issues.length > 0) throw new Error(`unexpected issues: ${first.issues.map((i) => i.message).join('; ')}`);
  const runs: number[] = [];
  for (let i = 0; i < 5; i++) {
    start = performance.now();
    await loadModels(file, { cwd: ROOT });
    runs.push(performance.now() - start);
  }
  runs.sort((a, b) => a - b);
  return { cold, warm: runs[2]!, tables: first.schema.tables.length };
}

mkdirSync(dir, { recursive: true });
try {
  writeFileSync(join(dir, 'drizzle-schema.ts'), drizzleSchema());
  writeFileSync(join(dir, 'typeorm-models.ts'), typeormModels());
  console.log(`# ${MODELS}-model schema, load + convert (node ${process.version})`);
  for (const [orm, file] of [['drizzle', 'drizzle-schema.ts'], ['typeorm', 'typeorm-models.ts']] as const) {
    const r = await time(join(dir, file));
    console.log(`${orm.padEnd(8)} ${r.tables} tables   cold ${r.cold.toFixed(0).padStart(5)} ms   warm ${r.warm.toFixed(0).padStart(5)} ms (median of 5)`);
  }
} finally {
  if (!process.env.BENCH_KEEP) rmSync(dir, { recursive: true, force: true });
}
