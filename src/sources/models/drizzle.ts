import { LockstepError } from '../../core/errors.js';
import type { LoadedModels, LoadModelsOptions } from './model-source.js';

/** Reads a drizzle model set (work in progress: issue 10). */
export async function readDrizzleModels(path: string, _options: LoadModelsOptions): Promise<LoadedModels> {
  throw new LockstepError(`reading drizzle models is not built yet (${path})`);
}
