import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { runCli } from '../../helpers/cli.js';
import { DIALECTS } from '../../helpers/databases.js';
import { type PrismaProject, prismaProject } from '../../helpers/prisma-project.js';
import { jobsPrisma, SEVEN } from '../../fixtures/prisma/jobs.js';

const projects: PrismaProject[] = [];
after(async () => {
  for (const p of projects) await p.dispose();
});
async function project(...args: Parameters<typeof prismaProject>) {
  const p = await prismaProject(...args);
  projects.push(p);
  return p;
}

/** The 1-based line of the first line of `text` that matches `pattern`. */
function lineOf(text: string, pattern: RegExp): number {
  return text.split('\n').findIndex((l) => pattern.test(l)) + 1;
}

for (const dialect of DIALECTS) {
  describe(`lockstep check with Prisma models on ${dialect}`, () => {
    test('the seven missing columns: models vs a database built from the stale init SQL, exit 1, all seven in one run, each at its field', async () => {
      const schema = jobsPrisma(dialect);
      const p = await project(dialect, { schema, liveFrom: jobsPrisma(dialect, { stale: true }) });

      const text = await runCli(['check'], { cwd: p.dir, env: p.env });
      assert.equal(text.code, 1, text.stdout + text.stderr);
      for (const column of SEVEN) assert.match(text.stdout, new RegExp(`column ${column.replace('.', '\\.')} is missing`));
      assert.match(text.stdout, new RegExp(`column jobs\\.job_uuid is missing .*\\(schema\\.prisma:${lineOf(schema, /jobUuid/)}\\)`));

      const json = await runCli(['check', '--json'], { cwd: p.dir, env: p.env });
      assert.equal(json.code, 1);
      const report = JSON.parse(json.stdout);
      assert.deepEqual(report.expected, { source: 'schema.prisma', kind: 'models', orm: 'prisma' });
      const missing = report.changes.filter((c: { kind: string }) => c.kind === 'column.missing');
      assert.deepEqual(missing.map((c: { table: string; column: string }) => `${c.table}.${c.column}`).sort(), [...SEVEN].sort());
      // Besides the seven columns, only the unique indexes on the three uuid columns are missing.
      const others = report.changes.filter((c: { kind: string }) => c.kind !== 'column.missing');
      assert.deepEqual(others.map((c: { kind: string; name: string }) => `${c.kind} ${c.name}`).sort(), [
        'index.missing job_execution_branches_branch_uuid_key',
        'index.missing job_executions_execution_uuid_key',
        'index.missing jobs_job_uuid_key',
      ]);
      const serial = missing.find((c: { column: string }) => c.column === 'execution_serial');
      assert.deepEqual(serial.location, { file: 'schema.prisma', line: lineOf(schema, /executionSerial/) });
      for (const change of report.changes) assert.equal(typeof change.fix, 'string');

      const github = await runCli(['check', '--format', 'github'], { cwd: p.dir, env: p.env });
      assert.equal(github.code, 1);
      assert.match(github.stdout, new RegExp(`^::error file=schema\\.prisma,line=${lineOf(schema, /targetSerialRef/)},title=lockstep%3A column\\.missing::column job_execution_branches\\.target_serial_ref is missing`, 'm'));
    });

    test('models and database in sync: exit 0; client-side defaults are listed as not compared', async () => {
      const schema = `${jobsPrisma(dialect)}\nmodel Token {\n  id String @id @default(uuid())\n  updatedAt DateTime @updatedAt\n}\n`;
      const p = await project(dialect, { schema, liveFrom: schema });
      const r = await runCli(['check'], { cwd: p.dir, env: p.env });
      assert.equal(r.code, 0, r.stdout + r.stderr);
      assert.match(r.stdout, /✓ in sync/);
      assert.match(r.stdout, /Token\.id: @default\(uuid\(\)\) is set by Prisma Client, not by the database; not compared/);
      assert.match(r.stdout, /Token\.updatedAt: @updatedAt is set by Prisma Client/);
    });
  });
}
