import type { Command } from '../command.js';

/** What `lockstep --help` lists of a command, and how to load the rest of it. */
export interface CommandEntry {
  name: string;
  summary: string;
  /** Imports the command's module (and so its library code) only when it runs or shows its help. */
  load(): Promise<Command>;
}

const lazy = (name: string, summary: string, load: () => Promise<Command>): CommandEntry => ({ name, summary, load });

/**
 * Every CLI command, in the order `lockstep --help` lists them. Each lives in its own
 * file under this folder and is a thin layer over a library call; a module is imported
 * only when its command runs, so `lockstep --help` and `lockstep worker` load nothing of
 * the other commands. The name and summary here are the command's own (a test keeps them
 * equal, and fails on a command that is missing from this list).
 */
export const COMMANDS: CommandEntry[] = [
  lazy('check', 'compare the live database with schema.sql or the ORM models / the migrations (exit 0 in sync, 1 drift or broken models, 2 error)', () => import('./check.js').then((m) => m.checkCommand)),
  lazy('diff', 'compare two schema sources (URL, .sql file, migrations folder, snapshot .json, ORM models); exit 1 when they differ', () => import('./diff.js').then((m) => m.diffCommand)),
  lazy('snapshot', 'write a schema source (default: the configured database) as a JSON snapshot', () => import('./snapshot.js').then((m) => m.snapshotCommand)),
  lazy('build', 'write the expected schema and the migrations of this build to lockstep.expected.json (commit it: workers and probes read it)', () => import('./build.js').then((m) => m.buildCommand)),
  lazy('generate', 'write the next migration (up.sql + down.sql) from schema.sql or the ORM models, proven on a scratch database', () => import('./generate.js').then((m) => m.generateCommand)),
  lazy('migrate up', 'apply pending migrations (verified first, each in its own transaction, under a lock)', () => import('./migrate-up.js').then((m) => m.migrateUpCommand)),
  lazy('migrate down', 'revert applied migrations with their down.sql (default: the last one)', () => import('./migrate-down.js').then((m) => m.migrateDownCommand)),
  lazy('migrate status', 'list applied and pending migrations, with checksum state', () => import('./migrate-status.js').then((m) => m.migrateStatusCommand)),
  lazy('migrate verify', 'check that applied migrations are unchanged, present, and pending ones are not out of order', () => import('./migrate-verify.js').then((m) => m.migrateVerifyCommand)),
  lazy('migrate repair', 'accept intentional edits of applied migrations (up.sql or down.sql) and old version strings: update the history, run nothing', () => import('./migrate-repair.js').then((m) => m.migrateRepairCommand)),
  lazy('lint', 'check migrations for unsafe changes and for code in src/ that still uses what they drop (exit 1 on errors)', () => import('./lint.js').then((m) => m.lintCommand)),
  lazy('rehearse', 'apply the pending migrations to the live database and roll back, reporting failures in data terms (exit 1 if one fails)', () => import('./rehearse.js').then((m) => m.rehearseCommand)),
  lazy('worker', 'run jobs: claims, leases, retries, cron; stops gracefully on SIGTERM/SIGINT', () => import('./worker.js').then((m) => m.workerCommand)),
  lazy('jobs install', "create or upgrade the jobs queue's tables (lockstep's own migrations)", () => import('./jobs-commands.js').then((m) => m.jobsInstallCommand)),
  lazy('jobs enqueue', 'enqueue a job and print its id', () => import('./jobs-commands.js').then((m) => m.jobsEnqueueCommand)),
  lazy('jobs list', 'list jobs, newest first', () => import('./jobs-commands.js').then((m) => m.jobsListCommand)),
  lazy('jobs show', 'show one job: state, attempts, progress, errors and timeline', () => import('./jobs-commands.js').then((m) => m.jobsShowCommand)),
  lazy('jobs retry', 'run a dead, cancelled or waiting job again, now, with fresh attempts', () => import('./jobs-commands.js').then((m) => m.jobsRetryCommand)),
  lazy('jobs cancel', 'cancel a queued or running job (a running one is told through its signal)', () => import('./jobs-commands.js').then((m) => m.jobsCancelCommand)),
  lazy('jobs pause', 'pause a queue: workers claim none of its jobs (running ones finish) until it is resumed', () => import('./jobs-commands.js').then((m) => m.jobsPauseCommand)),
  lazy('jobs resume', 'resume a paused queue and wake the workers', () => import('./jobs-commands.js').then((m) => m.jobsResumeCommand)),
  lazy('health', 'probe the database, migrations, schema drift, workers and queues (exit 1 when not healthy)', () => import('./health.js').then((m) => m.healthCommand)),
  lazy('serve', 'serve /livez, /readyz and /metrics (Prometheus) for this project until stopped', () => import('./serve.js').then((m) => m.serveCommand)),
  lazy('dashboard', 'serve the web dashboard: schema status, migrations, queues, jobs with live progress, workers', () => import('./dashboard.js').then((m) => m.dashboardCommand)),
  lazy('demo', 'see lockstep work: an inventory-sync app with migrations, two workers, live progress, the dashboard, lint and check', () => import('./demo.js').then((m) => m.demoCommand)),
];
