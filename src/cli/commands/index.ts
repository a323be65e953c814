import type { Command } from '../command.js';
import { buildCommand } from './build.js';
import { checkCommand } from './check.js';
import { dashboardCommand } from './dashboard.js';
import { demoCommand } from './demo.js';
import { diffCommand } from './diff.js';
import { healthCommand } from './health.js';
import { JOBS_COMMANDS } from './jobs-commands.js';
import { lintCommand } from './lint.js';
import { MIGRATION_COMMANDS } from './migrate.js';
import { rehearseCommand } from './rehearse.js';
import { serveCommand } from './serve.js';
import { snapshotCommand } from './snapshot.js';

/**
 * Every CLI command, in the order `lockstep --help` lists them. Each lives in its own
 * file under this folder and is a thin layer over a library call.
 */
export const COMMANDS: Command[] = [
  checkCommand,
  diffCommand,
  snapshotCommand,
  buildCommand,
  ...MIGRATION_COMMANDS,
  lintCommand,
  rehearseCommand,
  ...JOBS_COMMANDS,
  healthCommand,
  serveCommand,
  dashboardCommand,
  demoCommand,
];
