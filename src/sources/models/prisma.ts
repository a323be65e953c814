import { LockstepError } from '../../core/errors.js';
import type { LoadedModels, LoadModelsOptions } from './model-source.js';

/** Reads a prisma model set (work in progress: issue 10). */
export async function readPrismaModels(path: string, _options: LoadModelsOptions): Promise<LoadedModels> {
  throw new LockstepError(`reading prisma models is not built yet (${path})`);
}
