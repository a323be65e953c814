import type { Database } from '../../dialects/database.js';
import { connect } from '../../dialects/index.js';
import { LockstepError } from '../../core/errors.js';
import { type Migration, readMigrationsFolder } from '../../migrations/migration-folder.js';
import type { MigrateOutcome, MigrationProblem, MigrationProgress, MigrationResult } from '../../migrations/migration-result.js';
import { describeLockHolder } from '../../migrations/migration-store.js';
import type { CommandContext } from '../command.js';
import { parseDuration } from '../../rehearse/rehearsal-settings.js';
import { createStyle, type Style } from '../../report/style.js';

/**
 * What every `migrate` command needs: the migrations folder and an open database.
 * `mustExist` for commands that only read or undo (a missing SQLite file is an error
 * naming it, and nothing is created).
 */
export async function openMigrations(ctx: CommandContext, options: { mustExist?: boolean } = {}): Promise<{ db: Database; migrations: Migration[]; folder: string }> {
  const config = ctx.config();
  if (!config.migrations) {
    throw new LockstepError(`no migrations folder: ${config.root}/migrations does not exist`, {
      hint: 'Create migrations/, or pass --migrations DIR (or set "migrations" in lockstep.config.json).',
    });
  }
  const migrations = readMigrationsFolder(config.migrations);
  const db = await connect(config.url, { applicationName: 'lockstep migrate', mustExist: options.mustExist });
  return { db, migrations, folder: config.migrations };
}

/** `--lock-timeout DURATION` of `migrate up/down`: how long to wait for another run's migration lock. */
export const LOCK_TIMEOUT_OPTION = { type: 'string', placeholder: 'DURATION', description: 'how long to wait for the migration lock another run holds (e.g. 30s, 5m; default 10m), then exit 2 naming the holder' } as const;

export function lockTimeoutMs(value: unknown): number | undefined {
  return value === undefined ? undefined : parseDuration(value, '--lock-timeout');
}

/** Parses a whole-number option such as `--steps 2`. */
export function wholeNumber(value: unknown, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) {
    throw new LockstepError(`${flag} expects a whole number of at least 1, got "${String(value)}"`);
  }
  return n;
}

export const label = (r: { version: string; name: string }) => `${r.version}_${r.name}`;

export function formatMs(ms: number): string {
  return ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(1)} s`;
}

export function printProblems(ctx: CommandContext, problems: MigrationProblem[], style: Style): void {
  for (const p of problems) {
    ctx.stderr.write(`${style.red('✗')} ${p.message}\n  ${style.dim(p.hint)}\n`);
  }
}

/**
 * Progress lines for `migrate up/down`: one line per migration with its duration; on a
 * TTY a migration that runs longer than a second shows its elapsed time while it runs.
 */
export function progressPrinter(ctx: CommandContext, options: { quiet?: boolean } = {}): { onProgress: (event: MigrationProgress) => void; stop(): void } {
  const style = createStyle(ctx.color);
  const tty = Boolean(ctx.stdout.isTTY);
  let timer: NodeJS.Timeout | undefined;
  let ticking = false;
  const stopTimer = () => {
    if (timer) clearInterval(timer);
    timer = undefined;
    if (ticking) ctx.stdout.write('\r\u001b[K');
    ticking = false;
  };
  return {
    onProgress(event) {
      if (event.type === 'waiting-for-lock') {
        ctx.stderr.write(`waiting for the migration lock, held by ${event.holder ? describeLockHolder(event.holder) : 'another migrate run'}…\n`);
      } else if (options.quiet) {
        // --json: the result lines are in the JSON
      } else if (event.type === 'start') {
        if (!tty) return;
        const started = Date.now();
        const verb = event.direction === 'up' ? 'applying' : 'reverting';
        timer = setInterval(() => {
          const elapsed = Date.now() - started;
          if (elapsed < 1000) return;
          ticking = true;
          ctx.stdout.write(`\r\u001b[K${style.dim(`${verb} ${label(event)}  ${formatMs(elapsed)}`)}`);
        }, 200);
        timer.unref();
      } else {
        stopTimer();
        ctx.stdout.write(resultLine(event.result, style));
      }
    },
    stop: stopTimer,
  };
}

export function resultLine(result: MigrationResult, style: Style): string {
  const done = result.direction === 'up' ? 'applied ' : 'reverted';
  if (result.status === 'applied') return `${style.green(done)} ${label(result)}  ${style.dim(formatMs(result.durationMs))}\n`;
  if (result.status === 'not-run') return `${style.dim('not run ')} ${label(result)}\n`;
  return `${style.red('failed  ')} ${label(result)}  ${style.dim(formatMs(result.durationMs))}\n  ${result.error?.message ?? 'unknown error'}\n  ${style.dim(result.direction === 'up' ? 'It was rolled back: the database is still at the previous version.' : 'It was rolled back: the migration is still applied.')}\n`;
}

/** Exit code and closing lines shared by `migrate up` and `migrate down`. */
export function finishOutcome(ctx: CommandContext, outcome: MigrateOutcome, direction: 'up' | 'down'): number {
  const style = createStyle(ctx.color);
  if (outcome.error) throw outcome.error;
  if (outcome.problems.length > 0) {
    printProblems(ctx, outcome.problems, style);
    ctx.stderr.write(`nothing was ${direction === 'up' ? 'applied' : 'reverted'}\n`);
    return 1;
  }
  return outcome.ok ? 0 : 1;
}
