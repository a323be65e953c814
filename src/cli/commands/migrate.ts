import type { Command } from '../command.js';
import { generateCommand } from './generate.js';
import { migrateDownCommand } from './migrate-down.js';
import { migrateRepairCommand } from './migrate-repair.js';
import { migrateStatusCommand } from './migrate-status.js';
import { migrateUpCommand } from './migrate-up.js';
import { migrateVerifyCommand } from './migrate-verify.js';

/** The migration commands, registered together in `commands/index.ts`. */
export const MIGRATION_COMMANDS: Command[] = [generateCommand, migrateUpCommand, migrateDownCommand, migrateStatusCommand, migrateVerifyCommand, migrateRepairCommand];
