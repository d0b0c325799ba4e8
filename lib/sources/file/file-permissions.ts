import { messages } from '../../config-reloader.messages.js';
import { octalMode } from './private-file-mode.js';

/** What to do with a config file that others could have written. */
export type FilePermissionPolicy = 'warn' | 'refuse' | 'ignore';

/**
 * Why a config file is unsafe to trust, or undefined when it is fine: writable by its group or
 * by everyone, or owned by another non-root user (who could change the bot's behaviour).
 */
export function findPermissionProblem(
  file: string,
  stats: { mode: number; uid: number },
  processUid: number | undefined = process.getuid?.(),
): string | undefined {
  const problems: string[] = [];
  if (stats.mode & 0o002) problems.push('world-writable');
  else if (stats.mode & 0o020) problems.push('group-writable');
  if (processUid !== undefined && stats.uid !== 0 && stats.uid !== processUid) {
    problems.push(`owned by uid ${stats.uid}, not by this process (uid ${processUid}) or root`);
  }
  if (problems.length === 0) return undefined;
  return messages.insecure(file, octalMode(stats.mode), problems);
}
