// npm run bench:models: writes a 300-model schema for each ORM and times loading it
// (the ORM's own package: validation, metadata) and converting it to lockstep's neutral
// schema. Target on the 2-core machine: under 1 s each.
//
// Each ORM is one entry of ORMS: `write(dir, n)` writes the models and returns the path to
// read; the reader is timed through loadModels, the same call `check` makes. Drizzle and
// TypeORM plug in by adding their entry.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DialectName } from '../src/core/model.js';
import { loadModels } from '../src/sources/models/index.js';
import type { ModelKind } from '../src/sources/models/model-source.js';

const MODELS = Number(process.env.BENCH_MODELS ?? 300);
const RUNS = Number(process.env.BENCH_RUNS ?? 5);

interface OrmBench {
  kind: ModelKind;
  dialect: DialectName;
  /** Writes `n` models (each with 8 fields, a relation to the previous one, a unique and an index) under `dir`; returns the schema path. */
  write(dir: string, n: number): string;
}

const ORMS: OrmBench[] = [
  { kind: 'prisma', dialect: 'postgres', write: (dir, n) => writePrisma(dir, n, 'postgresql') },
  { kind: 'prisma', dialect: 'sqlite', write: (dir, n) => writePrisma(dir, n, 'sqlite') },
];

function writePrisma(dir: string, n: number, provider: string): string {
  const out = [`datasource db {\n  provider = "${provider}"\n}\n`, 'enum Status {\n  ACTIVE\n  ARCHIVED\n}\n'];
  for (let i = 0; i < n; i++) {
    const next = i + 1 < n ? `  children M${i + 1}[]\n` : '';
    const parent = i > 0 ? `  parentId Int? @map("parent_id")\n  parent M${i - 1}? @relation(fields: [parentId], references: [id], onDelete: Cascade)\n` : '';
    out.push(
      `model M${i} {\n  id Int @id @default(autoincrement())\n  name String\n  code String\n  amount Decimal @default(0)\n  qty Int @default(1)\n` +
        `  note String?\n  status Status @default(ACTIVE)\n  createdAt DateTime @default(now()) @map("created_at")\n${parent}${next}` +
        `  @@unique([code, createdAt])\n  @@index([name])\n  @@map("t_${i}")\n}\n`,
    );
  }
  const file = join(dir, 'schema.prisma');
  writeFileSync(file, out.join('\n'));
  return file;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

for (const orm of ORMS) {
  const dir = mkdtempSync(join(tmpdir(), `lockstep-bench-${orm.kind}-`));
  try {
    const path = orm.write(dir, MODELS);
    const times: number[] = [];
    let first = 0;
    let tables = 0;
    for (let i = 0; i < RUNS; i++) {
      const start = performance.now();
      const models = await loadModels(path, { cwd: process.cwd(), dialect: orm.dialect, kind: orm.kind });
      const elapsed = performance.now() - start;
      if (models.issues.length > 0) throw new Error(`${orm.kind}: ${models.issues[0]!.message}`);
      tables = models.schema.tables.length;
      if (i === 0) first = elapsed;
      else times.push(elapsed);
    }
    const warm = times.length > 0 ? median(times) : first;
    console.log(`${orm.kind} (${orm.dialect}): ${MODELS} models → ${tables} tables: first load + convert ${first.toFixed(0)} ms, then median ${warm.toFixed(0)} ms over ${times.length} runs`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
