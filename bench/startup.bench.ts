// npm run bench:startup [-- --root DIR]
//
// Start-up cost of the three entry points, from the built package (dist/): `lockstep --help`,
// an idle `lockstep worker` on SQLite (time until it logs "started", and its resident
// memory then) and `import('lockstep/jobs')`. Each is run 7 times; the median is printed.
// --root measures another checkout (for a before/after comparison), built with npm run build.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const argRoot = process.argv.indexOf('--root');
const root = resolve(argRoot > 0 ? process.argv[argRoot + 1]! : fileURLToPath(new URL('..', import.meta.url)));
const RUNS = 7;
if (!existsSync(join(root, 'dist/src/jobs/index.js'))) execFileSync('npm', ['run', 'build'], { cwd: root, stdio: 'inherit' });
const bin = join(root, 'bin/lockstep.js');
const jobsEntry = pathToFileURL(join(root, 'dist/src/jobs/index.js')).href;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** Wall time (ms) and peak RSS (MB) of a whole process, from /usr/bin/time. */
function timed(args: string[], cwd: string): { ms: number; mb: number } {
  const run = spawnSync('/usr/bin/time', ['-f', '%e %M', process.execPath, ...args], { cwd, encoding: 'utf8' });
  const [seconds, kb] = run.stderr.trim().split('\n').at(-1)!.split(' ').map(Number);
  return { ms: seconds! * 1000, mb: kb! / 1024 };
}

function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)![1]) / 1024;
}

async function idleWorker(dir: string): Promise<{ ms: number; mb: number }> {
  const started = performance.now();
  const child = spawn(process.execPath, [bin, 'worker', '--tasks', 'tasks.mjs'], { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  await new Promise<void>((resolveReady, reject) => {
    child.stderr.on('data', (d) => {
      stderr += d;
      if (/ started/.test(stderr)) resolveReady();
    });
    child.on('exit', (code) => reject(new Error(`worker exited with ${code}: ${stderr}`)));
  });
  const ms = performance.now() - started;
  await new Promise((r) => setTimeout(r, 300)); // settle: first poll, timers
  const mb = rssMb(child.pid!);
  child.kill('SIGTERM');
  await new Promise((r) => child.once('exit', r));
  return { ms, mb };
}

const dir = mkdtempSync(join(tmpdir(), 'lockstep-startup-'));
try {
  writeFileSync(join(dir, 'lockstep.config.json'), JSON.stringify({ url: 'sqlite:./app.db' }));
  writeFileSync(join(dir, 'tasks.mjs'), `import { task } from ${JSON.stringify(jobsEntry)};\nexport const hello = task('hello', { run: async () => {} });\n`);
  execFileSync(process.execPath, [bin, 'jobs', 'install'], { cwd: dir, stdio: 'ignore' });
  const results: Record<string, { ms: number[]; mb: number[] }> = { 'lockstep --help': { ms: [], mb: [] }, 'lockstep worker (idle, SQLite)': { ms: [], mb: [] }, "import('lockstep/jobs')": { ms: [], mb: [] } };
  for (let i = 0; i < RUNS; i++) {
    const help = timed([bin, '--help'], dir);
    const worker = await idleWorker(dir);
    const imported = timed(['--input-type=module', '-e', `await import(${JSON.stringify(jobsEntry)})`], dir);
    for (const [name, r] of [['lockstep --help', help], ['lockstep worker (idle, SQLite)', worker], ["import('lockstep/jobs')", imported]] as const) {
      results[name]!.ms.push(r.ms);
      results[name]!.mb.push(r.mb);
    }
  }
  console.log(`# start-up of ${root} (median of ${RUNS}; load average ${loadavg().map((l) => l.toFixed(1)).join(' ')} on ${cpus().length} cores)`);
  console.log('entry point'.padEnd(34), 'ready ms'.padStart(9), 'RSS MB'.padStart(8));
  for (const [name, r] of Object.entries(results)) console.log(name.padEnd(34), median(r.ms).toFixed(0).padStart(9), median(r.mb).toFixed(1).padStart(8));
} finally {
  rmSync(dir, { recursive: true, force: true });
}
