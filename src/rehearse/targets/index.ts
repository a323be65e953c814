import type { DialectName } from '../../core/model.js';
import type { RehearsalTarget } from '../rehearsal-target.js';
import { postgresRehearsal } from './postgres.js';
import { sqliteRehearsal } from './sqlite.js';

const TARGETS: Record<DialectName, RehearsalTarget> = { postgres: postgresRehearsal, sqlite: sqliteRehearsal };

/** Where `lockstep rehearse` runs migrations against live data on one dialect. */
export function rehearsalTargetFor(dialect: DialectName): RehearsalTarget {
  return TARGETS[dialect];
}
