import type { DialectName } from '../../core/model.js';
import type { MigrationStore } from '../migration-store.js';
import { postgresMigrationStore } from './postgres.js';
import { sqliteMigrationStore } from './sqlite.js';

const STORES: Record<DialectName, MigrationStore> = { postgres: postgresMigrationStore, sqlite: sqliteMigrationStore };

/** The migrator's history table and lock on one dialect. */
export function migrationStoreFor(dialect: DialectName): MigrationStore {
  return STORES[dialect];
}
