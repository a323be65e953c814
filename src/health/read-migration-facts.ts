import type { LockstepConfig } from '../core/config.js';
import type { Database } from '../dialects/database.js';
import { readMigrationsFolder } from '../migrations/migration-folder.js';
import { migrationStatus } from '../migrations/migration-status.js';
import type { MigrationFacts } from './ops-facts.js';

/** Applied and pending migrations of the configured folder (reads the history; takes no lock). */
export async function readMigrationFacts(db: Database, config: LockstepConfig): Promise<Omit<MigrationFacts, 'durationMs'>> {
  if (!config.migrations) return { configured: false, applied: [], pending: [] };
  const status = await migrationStatus(db, readMigrationsFolder(config.migrations));
  return {
    configured: true,
    applied: status.migrations
      .filter((m) => m.state !== 'pending')
      .map((m) => ({ version: m.version, name: m.name, appliedAt: m.appliedAt, checksumOk: m.checksum !== 'changed' })),
    pending: status.migrations.filter((m) => m.state === 'pending').map((m) => ({ version: m.version, name: m.name })),
  };
}
