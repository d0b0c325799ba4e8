import { shownHosts } from '../../sources/etcd-hosts.js';

/** The messages of the commands: what is wrong, where, how to go on. */
export const cliMessages = {
  syntaxOnly: () => 'note: no --schema or --dto given: checked JSON syntax only',
  etcd3Missing: () =>
    'publish, rollback, status and overlay talk to etcd through the "etcd3" package, an optional peer ' +
    'that is not installed here: npm install etcd3@^1.1.2',
  /** `checkWith`: after a write, the command that shows whether it happened ('status'). */
  etcdUnavailable: (hosts: readonly string[], key: string, reason: string, checkWith?: string) =>
    `cannot reach etcd at ${shownHosts(hosts)} (key "${key}"): ${reason}.` +
    (checkWith
      ? ` The write may or may not have happened: check with config-reloader ${checkWith}.`
      : '') +
    ' Check --etcd and that etcd is running, or raise --dial-timeout.',
  etcdRefused: (hosts: readonly string[], key: string, what: string, reason: string) =>
    `etcd at ${shownHosts(hosts)} refused ${what} (key "${key}"): ${reason}`,
  /** Said after a refusal of the credentials (wrong, or none given while auth is on). */
  checkCredentials: () =>
    'Check the user (--user or ETCD_USER) and its password (--password-file, ' +
    'ETCD_PASSWORD_FILE, ETCD_PASSWORD, or the user-info of the --etcd URL).',
  /** Said after a refusal for lack of permission. */
  checkPermission: (key: string) =>
    `The user needs read access to "${key}" and the keys under "${key}/instances/" and ` +
    `"${key}/overlays/"; publish and rollback need write access to the key, overlay set and rm ` +
    `to the keys under "${key}/overlays/", and publish --dry-run --wait to the keys under ` +
    `"${key}/trials/".`,
  passwordInUser: () =>
    'the user in --user or ETCD_USER holds a ":": give the password with --password-file, ' +
    'ETCD_PASSWORD_FILE or ETCD_PASSWORD, never on the command line.',
  passwordWithoutUser: () =>
    'an etcd password is given (--password-file, ETCD_PASSWORD_FILE or ETCD_PASSWORD) but no ' +
    'user: give --user or ETCD_USER.',
  userWithoutPassword: (user: string) =>
    `no password for the etcd user "${user}": give --password-file, ETCD_PASSWORD_FILE or ` +
    'ETCD_PASSWORD.',
  certWithoutKey: () =>
    '--cert and --key-file (ETCD_CERT, ETCD_KEY_FILE) go together: a client certificate and ' +
    'its private key.',
  unreadableFile: (what: string, flag: string, file: string, reason: string) =>
    `cannot read the ${what} ${file} (${flag}): ${reason}`,
  emptyPasswordFile: (file: string) =>
    `the password file ${file} (--password-file) is empty: write the etcd user's password in it.`,
  /** A lost compare-and-swap; `doing` is what the command was at ('publishing'). */
  conflict: (
    key: string,
    doing: string,
    readRevision: string | undefined,
    nowRevision: string | undefined,
  ) =>
    `conflict: "${key}" changed while ${doing} (read at ${revisionOrMissing(readRevision)}, ` +
    `now at ${revisionOrMissing(nowRevision)}); nothing was written.`,
  canaryStartedMeanwhile: (key: string) =>
    `a canary was started on "${key}" between the read and the write: nothing was written. ` +
    'config-reloader canary status shows it; promote or abort it first.',
  publishAgain: () => 'Publish again to see the diff against the new value.',
  alreadyWritten: (key: string, revision: string) =>
    `"${key}" holds this very config at revision ${revision}, written between the read and the ` +
    'compare-and-swap (a retried write, or the same publish from elsewhere): nothing more written',
  keyMissing: (key: string) =>
    `"${key}" does not exist: nothing to roll back. Publish a config with config-reloader publish.`,
  noEarlierValue: (key: string, revision: string) =>
    `"${key}" did not exist at revision ${revision}: no earlier value to roll back to. Give --to ` +
    'a revision at which it held a config.',
  compacted: (key: string, revision: string, oldestKept: string | undefined) =>
    `etcd no longer keeps "${key}" as it was at revision ${revision}: its history was compacted, ` +
    (oldestKept === undefined
      ? 'and etcd did not say up to which revision. Give --to a later revision'
      : `the oldest revision still kept is ${oldestKept}. Give --to ${oldestKept} or later`) +
    ', or publish the config from a file.',
  futureRevision: (key: string, revision: string, current: string) =>
    `etcd has not reached revision ${revision} yet: "${key}" is at revision ${current}. Give --to ` +
    'an earlier revision.',
  rollBackAgain: () =>
    'Look at its new value before rolling back again: without --to, that rolls back the change ' +
    'just made.',
  currentUnreadable: (key: string, reason: string) =>
    `the current value of "${key}" is not a valid config (${reason}); the diff shows everything as new`,
} as const;

function revisionOrMissing(revision: string | undefined): string {
  return revision === undefined ? 'no key' : `revision ${revision}`;
}
