/**
 * The migrator's library surface, one concept per file:
 * - {@link migrateUp} / {@link migrateDown}: apply or revert under the migration lock;
 * - {@link migrationStatus}: applied and pending migrations with checksum state;
 * - {@link verifyMigrations}: edited, missing and out-of-order migrations;
 * - {@link repairMigrations}: accepts intentional edits of applied migrations.
 *
 * @example
 * import { connect } from 'lockstep';
 * const db = await connect('sqlite:app.db');
 * const outcome = await migrateUp(db, readMigrationsFolder('migrations'));
 */
export { migrateDown, type MigrateDownOptions } from './migrate-down.js';
export { migrateUp, type MigrateUpOptions } from './migrate-up.js';
export { readMigrationsFolder, type Migration } from './migration-folder.js';
export type { MigrateOutcome, MigrationProblem, MigrationProgress, MigrationResult } from './migration-result.js';
export { migrationStatus, type MigrationStatus, type MigrationStatusEntry } from './migration-status.js';
export { findMigrationProblems, verifyMigrations, type VerifyOptions } from './verify-migrations.js';
export { planRepair, repairMigrations, type RepairEntry, type RepairOptions, type RepairOutcome } from './repair-migrations.js';
