/** `--json` / `--format text|json|github`, shared by `check` and `diff`. */
import { LockstepError } from '../../core/errors.js';
import type { ParsedArgs } from '../command.js';

export type ReportFormat = 'text' | 'json' | 'github';

export function reportFormat(args: ParsedArgs): ReportFormat {
  const format = args.values.format as string | undefined;
  if (format !== undefined && !['text', 'json', 'github'].includes(format)) {
    throw new LockstepError(`unknown --format ${format}`, { hint: 'Use --format text, --format json or --format github.' });
  }
  if (args.values.json && format && format !== 'json') {
    throw new LockstepError(`--json and --format ${format} contradict each other`, { hint: 'Pass only one of them.' });
  }
  return args.values.json ? 'json' : ((format as ReportFormat | undefined) ?? 'text');
}
