/** What `publish --dry-run --wait` says: a trial of a config on the live fleet. */
export const trialMessages = {
  trying: (key: string, id: string, among: string) =>
    `trying the config on the live instances of "${key}"${among} as ${id}: each judges ` +
    'it as a reload would, with its own overlays and beforeApply, and applies nothing',
  waiting: (count: number, timeout: string) =>
    `waiting up to ${timeout} for ${count} matching live instance(s) to answer`,
  nobody: (key: string) =>
    `no live instance under "${key}/instances/" matches: nobody to try the config on`,
  inProgress: (key: string, other: string) =>
    `another trial is in progress on "${key}" (${other}): an instance answers one at a time. ` +
    'Try again when it ends; one whose command died ends with its lease, within 10 s.',
  allAccepted: (count: number) =>
    `accepted by all ${count} matching live instance(s); nothing was applied`,
  notAll: (parts: readonly string[], count: number) =>
    `not accepted: ${parts.join(', ')} of ${count} matching live instance(s); nothing was applied`,
  interrupted: () => 'interrupted: the trial is removed; the answers so far are above',
} as const;
