/** A schema from a snapshot file written by `lockstep snapshot`. */
import type { Schema } from '../core/model.js';
import { parseSnapshot } from '../core/snapshot.js';
import { displayPath, readSourceFile } from './display-path.js';

/**
 * @example
 * const schema = readSnapshotFile('schema.json');
 */
export function readSnapshotFile(file: string): Schema {
  const text = readSourceFile(file, 'snapshot file', 'Write one with lockstep snapshot --out FILE.');
  return parseSnapshot(text, displayPath(file));
}
