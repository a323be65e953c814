import type { DialectName } from '../../core/model.js';
import type { ScriptFacts } from '../statement-facts.js';
import { postgresStatementFacts } from './postgres.js';
import { sqliteStatementFacts } from './sqlite.js';

const FACTS: Record<DialectName, (script: string) => ScriptFacts> = { postgres: postgresStatementFacts, sqlite: sqliteStatementFacts };

/** What each statement of a migration does (CONCURRENTLY, NOT VALID, renames…), for lint and rehearse. */
export function statementFactsFor(dialect: DialectName, script: string): ScriptFacts {
  return FACTS[dialect](script);
}
