import type { LockstepConfig } from '../config.js';
import type { Database } from '../dialects/database.js';
import type { MigrationFacts } from './ops-facts.js';

/** Applied and pending migrations of the configured folder. */
export async function readMigrationFacts(_db: Database, config: LockstepConfig): Promise<Omit<MigrationFacts, 'durationMs'>> {
  return { configured: Boolean(config.migrations), applied: [], pending: [] };
}
