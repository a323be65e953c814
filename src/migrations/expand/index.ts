import type { DialectName } from '../../core/model.js';
import type { ExpandStep } from './expand-step.js';
import { postgresExpandStep } from './postgres.js';
import { sqliteExpandStep } from './sqlite.js';

const STEPS: Record<DialectName, ExpandStep> = { postgres: postgresExpandStep, sqlite: sqliteExpandStep };

/** The expand/contract SQL of a dialect. */
export function expandStepFor(dialect: DialectName): ExpandStep {
  return STEPS[dialect];
}
