import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, realpathSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import { LockstepError } from '../core/errors.js';

/** The code of a folder as it is at a git ref, read without a checkout. */
export interface GitSnapshot {
  /** The ref as given (`HEAD~1`, `v1.4.0`, `origin/production`). */
  ref: string;
  /** The commit it names, abbreviated. */
  commit: string;
  /** Files under the folder at that commit, by the absolute path they have in the working tree. */
  files: Map<string, string>;
}

const MAX_BUFFER = 512 * 1024 * 1024;

/**
 * Reads every file under `dir` as it is at `ref` (`git ls-tree` and `git cat-file`, no
 * checkout), keyed by the path the file has in the working tree, so findings about the
 * deployed release name the same paths as findings about the working tree.
 *
 * @example
 * const deployed = readGitSnapshot('/app/src', 'HEAD~1');
 * deployed.files.get('/app/src/adapters/health.ts'); // the file's text at HEAD~1
 */
export function readGitSnapshot(dir: string, ref: string): GitSnapshot {
  const folder = resolve(dir);
  const top = gitTopLevel(folder, ref);
  const commit = git(top, ['rev-parse', '--verify', '--quiet', '--end-of-options', `${ref}^{commit}`]);
  if (commit.status !== 0) {
    throw new LockstepError(`git does not know the ref "${ref}" in ${top}`, {
      hint: 'Pass a commit, tag or branch that exists here (git log --oneline, git tag, git fetch to get the deployed one), e.g. --deployed HEAD~1 or --deployed v1.4.0.',
    });
  }
  const sha = commit.stdout.trim();
  const prefix = relative(realpathSync(top), existsSync(folder) ? realpathSync(folder) : folder).split(sep).join('/');
  const listing = git(top, ['ls-tree', '-r', '-z', '--full-tree', sha, '--', ...(prefix ? [prefix] : [])]);
  if (listing.status !== 0) throw new LockstepError(`git ls-tree ${ref} failed in ${top}: ${listing.stderr.trim()}`);
  const entries = listing.stdout
    .split('\0')
    .filter(Boolean)
    .map((line) => {
      const [meta, path] = [line.slice(0, line.indexOf('\t')), line.slice(line.indexOf('\t') + 1)];
      const [, type, object] = meta.split(' ');
      return { type, object, path };
    })
    .filter((e) => e.type === 'blob');
  const files = new Map<string, string>();
  if (entries.length > 0) {
    const batch = execFileSync('git', ['-C', top, 'cat-file', '--batch'], { input: entries.map((e) => e.object).join('\n') + '\n', maxBuffer: MAX_BUFFER });
    let at = 0;
    for (const entry of entries) {
      const headerEnd = batch.indexOf(10, at);
      const size = Number(batch.subarray(at, headerEnd).toString('utf8').split(' ')[2]);
      const inFolder = prefix ? entry.path.slice(prefix.length + 1) : entry.path;
      files.set(join(folder, ...inFolder.split('/')), batch.subarray(headerEnd + 1, headerEnd + 1 + size).toString('utf8'));
      at = headerEnd + 1 + size + 1;
    }
  }
  return { ref, commit: sha.slice(0, 12), files };
}

function gitTopLevel(folder: string, ref: string): string {
  const start = existsSync(folder) ? folder : resolve(folder, '..');
  const top = git(start, ['rev-parse', '--show-toplevel']);
  if (top.error) {
    throw new LockstepError(`cannot read the deployed code at ${ref}: git is not installed (${top.error.message})`, { hint: 'Install git, or lint without --deployed.' });
  }
  if (top.status !== 0) {
    throw new LockstepError(`cannot read the deployed code at ${ref}: ${folder} is not inside a git repository`, {
      hint: 'lint --deployed reads the deployed release from git history: run it in the repository (a CI checkout with enough history, e.g. fetch-depth: 0), or lint without --deployed / LOCKSTEP_DEPLOYED_REF.',
    });
  }
  return top.stdout.trim();
}

function git(cwd: string, args: string[]): { status: number | null; stdout: string; stderr: string; error?: Error } {
  const r = spawnSync('git', ['-C', cwd, ...args], { encoding: 'utf8', maxBuffer: MAX_BUFFER });
  return { status: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? '', error: r.error };
}
