import { LockstepError } from '../../core/errors.js';
import type { LoadedModels, LoadModelsOptions } from './model-source.js';

/** Reads a typeorm model set (work in progress: issue 10). */
export async function readTypeormModels(path: string, _options: LoadModelsOptions): Promise<LoadedModels> {
  throw new LockstepError(`reading typeorm models is not built yet (${path})`);
}
