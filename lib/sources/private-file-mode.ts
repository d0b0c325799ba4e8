/**
 * The mode of every file this module and its CLI create: config, its cached copy and the audit
 * log hold API keys or say who changed what, so only the service user may read them.
 */
export const PRIVATE_FILE_MODE = 0o600;

/** Whether the file's group or everyone else may read it. */
export function isReadableByOthers(mode: number): boolean {
  return (mode & 0o044) !== 0;
}

/** `0644`, as `ls -l` users and `chmod` read it. */
export function octalMode(mode: number): string {
  return (mode & 0o777).toString(8).padStart(4, '0');
}
