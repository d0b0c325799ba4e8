import { messages } from '../../config-reloader.messages.js';
import { octalMode } from '../private-file-mode.js';

/** What to do with a config file that others could write (one they can read is only warned about). */
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

/**
 * Why a config file's content is exposed, or undefined: everyone on the host can read it (o+r),
 * and config files hold API keys. Only ever warned about, under 'refuse' too: a Kubernetes
 * ConfigMap or Secret volume mounts its files 0644 unless told otherwise, read-only, so the app
 * cannot fix them, and refusing them would make 'refuse' unusable there; a file others can read
 * leaks secrets but does not let them steer the app, as one they can write does. Readable by
 * its group (0640 with the service's group) is a deliberate choice, and fine.
 */
export function findExposure(file: string, stats: { mode: number }): string | undefined {
  if ((stats.mode & 0o004) === 0) return undefined;
  return messages.worldReadable(file, octalMode(stats.mode));
}
