import type { RelativePath } from './config-reloader.paths.js';
import { escapeControlCharacters } from './change/printable.js';
import { maskSecretsInText } from './change/secret-redaction.js';

/**
 * Text the app's own code wrote (a DTO message, a veto's reason) may quote a value: credentials
 * in a URL or a bearer token are masked, and control characters escaped.
 */
const shown = (text: string) => escapeControlCharacters(maskSecretsInText(text));

/**
 * Every message the module prints or puts into an error, in one place so that wording stays
 * consistent: what is wrong, where, and how to fix it.
 */
export const messages = {
  notFound: (file: string, relative?: RelativePath) =>
    `Config file not found: ${file}${resolvedFrom(relative)}. Create it, or point "configPath" ` +
    'at an existing JSON file.',
  notAFile: (file: string) => `Config path is not a regular file: ${file}.`,
  access: (file: string, code: string) =>
    `Cannot read config file ${file} (${code}). Check that the process user may read it.`,
  directoryNotSearchable: (file: string, directory: string, isParent: boolean) =>
    `Cannot read config file ${file} (EACCES): ${isParent ? 'its directory' : 'the directory'} ` +
    `${directory}${isParent ? '' : ' on its path'} is not searchable by the process user. A ` +
    `directory needs execute (x) permission for the files in it to be reached: grant it to the ` +
    `service user (chmod o+x ${directory}, or g+x with the user in its group).`,
  tooLarge: (file: string, size: number, limit: number) =>
    `Config file ${file} is ${size} bytes, over the limit of ${limit} bytes ("maxFileBytes").`,
  tooLargeForCli: (size: number, limit: number) =>
    `${size} bytes, over the limit of ${limit} bytes (--max-file-bytes, the app's "maxFileBytes")`,
  empty: (file: string) => `${configAt(file)} is empty.`,
  syntax: (file: string, line: number, column: number, detail: string) =>
    `Invalid JSON in ${file} at line ${line}, column ${column}: ${detail}.`,
  duplicateKey: (path: string, firstLine: number, firstColumn: number) =>
    `duplicate key ${path} (first written at line ${firstLine}, column ${firstColumn}); JSON ` +
    `would silently keep only the last one, so remove the one you do not mean`,
  parseWorkerUnavailable: (where: string, minChars: number, reason: string, envName: string) =>
    `${where}: the parse worker cannot be used (${reason}); documents from ` +
    `${Math.round(minChars / 1024)} KB up are parsed on the main thread, which blocks the event ` +
    'loop while it parses. In a bundled app, copy dist/pipeline/document/parse.worker.js of ' +
    `nestjs-config-reloader next to the bundle, or name it in ${envName}.`,
  /** The number itself is not repeated: it may be a secret (a PIN, an account number). */
  roundedInteger: (path: string) =>
    `the integer at ${path} has more digits than a JSON number holds exactly (above 2^53 it ` +
    'would be rounded to another integer); write it as a string, in quotes',
  nonFiniteNumber: (path: string, value: number) =>
    `the number at ${path} is too large to represent (it would become ${value}); write a ` +
    `finite number (doubles reach about 1.8e308)`,
  trailingComma: (closer: '}' | ']') =>
    `a trailing comma before "${closer}" is not allowed in JSON: remove it, or add ` +
    `${closer === '}' ? 'a property name and value' : 'a value'} after it`,
  /** The word itself is not shown: a secret pasted without quotes lands here too. */
  unquotedName: () => 'a property name must be in double quotes (found an unquoted name)',
  refusedJson: (file: string, line: number, column: number, detail: string) =>
    `${configAt(file)} is refused at line ${line}, column ${column}: ${detail}.`,
  poisoned: (file: string, key: string) =>
    `${configAt(file)} contains a forbidden "${key}" key (prototype poisoning); remove it.`,
  notAnObject: (file: string, kind: string) =>
    `${configAt(file)} must hold a JSON object at its root, found ${kind}.`,
  invalid: (file: string, issues: readonly { path: string; message: string }[]) =>
    `${configAt(file)} failed validation with ${issues.length} issue(s):\n` +
    issues
      .map(
        (issue) =>
          `  - ${escapeControlCharacters(issue.path || '(root)')}: ${shown(issue.message)}`,
      )
      .join('\n'),
  schemaFromDtoWithoutDto: () =>
    `schema: 'fromDto' generates the JSON Schema from the DTO: give "dto" too (the class-validator ` +
    'class), or give "schema" a JSON Schema object or "schemaPath" a file',
  unknownKeysWithoutDto: () =>
    '"unknownKeys" says what the DTO does with a key it has no rules for: give "dto" too (a JSON ' +
    'Schema refuses unknown keys itself, with "additionalProperties": false)',
  /** An unknown key's issue, with the declared key it was probably meant to be. */
  unknownKey: (message: string, suggestion: string | undefined) =>
    suggestion === undefined ? message : `${message} (did you mean "${suggestion}"?)`,
  schemaUnreadable: (file: string, reason: string, relative?: RelativePath) =>
    `Cannot load JSON Schema ${file}${resolvedFrom(relative)}: ${reason}`,
  schemaInvalid: (reason: string) =>
    `The JSON Schema given to the config reloader is invalid: ${reason}`,
  rejected: (file: string, reason: string) =>
    `Config change in ${file} was rejected by beforeApply: ${shown(reason)}`,
  listenerFailed: (name: string, kind: string, reason: string) =>
    `[${name}] ${kind} failed (isolated; the config stays as applied): ${reason}`,
  /** The exception's text may quote a secret value: it stays in the error's `cause` only. */
  validatorThrew: (kind: string) =>
    `a validator threw ${kind} instead of reporting an issue (its text is kept in the error's cause)`,
  /** An issue under a secret path: the rule's name, never its message (it may quote the value). */
  secretRuleFailed: (rule: string) => `failed ${rule.charAt(0).toUpperCase()}${rule.slice(1)}`,
  reloadFailed: (name: string, source: string, reason: string) =>
    `[${name}] ${source} reload failed, keeping the current config: ${reason}`,
  applied: (name: string, version: number, changes: readonly string[]) =>
    `[${name}] config v${version} applied (${changes.length} change(s)${
      changes.length
        ? `: ${changes.slice(0, 10).map(escapeControlCharacters).join(', ')}${changes.length > 10 ? ', ...' : ''}`
        : ''
    })`,
  loaded: (name: string, version: number, where: string, validation: string) =>
    `[${name}] config v${version} loaded from ${where}, ${validation}`,
  /** Which checks every config goes through, for the load line. */
  validation: (
    schemaPath: string | undefined,
    inlineSchema: boolean | 'fromDto',
    dto: string | undefined,
  ) => {
    const schema =
      schemaPath !== undefined
        ? `JSON Schema ${schemaPath}`
        : inlineSchema === 'fromDto'
          ? `the JSON Schema generated from ${dto}`
          : inlineSchema
            ? 'an inline JSON Schema'
            : undefined;
    const checks = [schema, dto === undefined ? undefined : `DTO ${dto}`].filter(Boolean);
    return checks.length === 0
      ? 'not validated: no schema or DTO given'
      : `validated by ${checks.join(' and ')}`;
  },
  recovered: (name: string, where: string, failures: number, state: string) =>
    `[${name}] ${where} is good again after ${failures} failed reload(s): ${state}`,
  /** `where` names the source (the file, `etcd:/bots/trend`): not every source is a file. */
  watcherError: (name: string, where: string, reason: string) =>
    `[${name}] error while watching ${where}: ${reason}`,
  noEventEmitter: (name: string) =>
    `[${name}] EventEmitter2 is not available: import EventEmitterModule.forRoot() from ` +
    `@nestjs/event-emitter to receive 'config_reloaded' with @OnEvent; onReload() listeners still work.`,
  insecure: (file: string, mode: string, problems: readonly string[]) =>
    `Config file ${file} (mode ${mode}) is ${problems.join(' and ')}: anyone who can write it ` +
    `controls the app. Fix with: chmod go-w ${file}, and chown it to the service user.`,
  worldReadable: (file: string, mode: string) =>
    `Config file ${file} (mode ${mode}) is readable by everyone on this host, and config files ` +
    `hold API keys and passwords. Fix with: chmod o-r ${file} (or chmod 600 ${file}); for a ` +
    `Kubernetes volume, set its defaultMode to 0440 with an fsGroup.`,
  rollbackTooFar: (name: string, steps: number, available: number) =>
    `[${name}] cannot roll back ${steps} version(s): only ${available} earlier version(s) are kept ` +
    `(raise "historySize" to keep more).`,
  rollbackSteps: (steps: unknown) =>
    `rollback(steps) takes a whole number >= 1, got ${String(steps)}.`,
  rollbackWrite: (file: string, reason: string) =>
    `Cannot write the rolled-back config to ${file}: ${reason}. The file and the config are unchanged.`,
  rollbackConflict: (where: string, expected: string, actual: string | undefined) =>
    `Refusing to roll back ${where}: it changed since the version in force (expected revision ` +
    `${short(expected)}, found ${actual === undefined ? 'none' : short(actual)}). Nothing was ` +
    `written; reload or inspect the newer change first.`,
  rollbackUnsupported: (id: string) =>
    `Cannot roll back: the config source ${id} cannot be written (it has no write()).`,
  unstable: (file: string, waitedMs: number) =>
    `Config file ${file} kept changing under every read for ${waitedMs} ms; no whole version ` +
    `could be read. Save it atomically (write a temp file, then rename it over the config).`,
  auditRefused: (name: string, file: string, reason: string) =>
    `[${name}] change not applied: its audit record could not be written to ${file} (${reason}) ` +
    `and "auditFailure" is 'refuse'.`,
  pollingFallback: (code: string) =>
    `native file watching failed (${code}); following the config by polling instead. ` +
    `Raise fs.inotify.max_user_watches (ENOSPC) or the open-file limit (EMFILE) to go back to native events.`,
  staleTempFiles: (count: number, file: string) =>
    `removed ${count} temp file(s) that an interrupted write left beside ${file}.`,
  tooDeep: (limit: number) => `nests deeper than ${limit} levels (does it contain itself?)`,
  sourceLost: (name: string, where: string, version: number) =>
    `[${name}] ${where} cannot reach its server; keeping config v${version} until it answers ` +
    `again (health 'degraded', CONFIG_UNAVAILABLE).`,
  /** The source said why: `reason` is its own message (it names the source and the server). */
  sourceLostBecause: (name: string, version: number, reason: string, code: string) =>
    `[${name}] ${reason} Keeping config v${version} until ` +
    (code === 'CONFIG_ACCESS' ? 'the server accepts us again' : 'it answers again') +
    ` (health 'degraded', ${code}).`,
  sourceBack: (name: string, where: string) =>
    `[${name}] ${where} reaches its server again; changes made meanwhile are applied.`,
  canaryAborted: (
    name: string,
    id: string,
    where: string,
    error: { code: string; message: string },
  ) =>
    `[${name}] canary "${id}" aborted by this instance (${where} marked aborted): it rejected ` +
    `the candidate, ${error.code}: ${error.message}. Every instance goes back to the base.`,
  sourceReportFailed: (name: string, reason: string) =>
    `[${name}] the config source's report() threw (ignored): ${reason}`,
  holdExpired: (name: string, reason: string, timeoutMs: number) =>
    `[${name}] hold "${reason}" released automatically after ${timeoutMs} ms; release it yourself ` +
    `when done so that config changes are not delayed.`,
  staged: (name: string, reasons: readonly string[]) =>
    `[${name}] config change validated and staged; it applies when the hold(s) end: ${reasons.join(', ')}`,
  auditReadable: (file: string, mode: string) =>
    `Audit log ${file} (mode ${mode}) is readable by its group or by everyone: its records say ` +
    `who changed the config and what. Fix with: chmod 600 ${file}.`,
  auditSymlink:
    'ELOOP: it is a symbolic link, and the audit log is never written through one (it could ' +
    'point anywhere); point "auditLogPath" at the file itself',
  auditFailed: (name: string, file: string, reason: string) =>
    `[${name}] cannot append to audit log ${file}: ${reason}`,
  closed: (name: string) => `[${name}] the config reloader has been shut down; no more reloads.`,
  option: (name: string, problem: string) =>
    `Invalid ConfigReloaderModule options for "${name}": ${problem}`,
  unknownOptions: (unknown: readonly { key: string; suggestion: string | undefined }[]) => {
    const hint = (suggestion: string | undefined) =>
      suggestion === undefined ? '' : `did you mean "${suggestion}"?`;
    if (unknown.length === 1) {
      const [{ key, suggestion }] = unknown as [(typeof unknown)[number]];
      return `unknown option "${key}"${suggestion === undefined ? '' : `; ${hint(suggestion)}`}`;
    }
    const named = unknown.map(({ key, suggestion }) =>
      suggestion === undefined ? `"${key}"` : `"${key}" (${hint(suggestion)})`,
    );
    return `unknown options ${named.join(', ')}`;
  },
  /** An option's value for a message, with its type: `the string "500"`, `the number -1`. */
  optionValue: (value: unknown) => describeValue(value),
  duplicateName: () =>
    `the instance name is used twice in this application; give each forRoot/forRootAsync its own "name"`,
} as const;

const MAX_SHOWN_STRING = 40;

function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  if (typeof value === 'string') {
    const shown =
      value.length > MAX_SHOWN_STRING ? `${value.slice(0, MAX_SHOWN_STRING)}...` : value;
    return `the string ${JSON.stringify(shown)}`;
  }
  if (typeof value === 'number') return `the number ${String(value)}`;
  if (typeof value === 'boolean') return `the boolean ${String(value)}`;
  if (typeof value === 'bigint') return `the bigint ${String(value)}n`;
  if (typeof value === 'function') return 'a function';
  if (typeof value === 'symbol') return 'a symbol';
  if (Array.isArray(value)) return `an array of ${value.length} item(s)`;
  const kind = Object.getPrototypeOf(value)?.constructor?.name;
  return !kind || kind === 'Object' ? 'an object' : `an object (${kind})`;
}

/** A source id (`etcd:/bots/trend`, `memory:bot`) names itself; anything else is a file path. */
function configAt(where: string): string {
  return /^[a-z][a-z0-9+.-]+:/.test(where) ? `Config ${where}` : `Config file ${where}`;
}

/** The first characters of a revision or hash: enough to tell two apart in a message. */
function short(revision: string): string {
  return revision.length > 12 ? revision.slice(0, 12) : revision;
}

/** ` ("config/bot.json" is relative to the working directory /srv/bot)`, or nothing. */
export function resolvedFrom(relative: RelativePath | undefined): string {
  return relative
    ? ` ("${relative.given}" is relative to the working directory ${relative.workingDirectory})`
    : '';
}
