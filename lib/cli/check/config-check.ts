import { resolve } from 'node:path';
import { readConfigFile } from '../../sources/file/config-file.reader.js';
import { DEFAULT_MAX_FILE_BYTES } from '../../config-reloader.constants.js';
import {
  ConfigParseError,
  ConfigReloadError,
  ConfigTooLargeError,
  ConfigValidationError,
  describeError,
} from '../../config-reloader.errors.js';
import { messages } from '../../config-reloader.messages.js';
import type { ConfigValidationRules } from '../../pipeline/config.pipeline.js';
import { parseConfigText } from '../../pipeline/document/config.parser.js';
import { validatedText } from './pipeline.loader.js';
import {
  assembleLayeredDocument,
  type DocumentLayer,
} from '../../pipeline/document/layered-document.js';

/** One problem, in a form both people and CI can read. */
export interface Problem {
  code: string;
  message: string;
  file: string;
  line?: number;
  column?: number;
  path?: string;
}

export type CheckResult =
  | { valid: true; file: string; text: string; plain: Record<string, unknown> }
  | { valid: false; file: string; problems: Problem[]; unreadable: boolean };

/**
 * Reads and validates one file exactly as the running module would, with the module's size
 * limit, and with `overlays` (merge-patch files) layered over it in order as `overlayPaths`
 * layers them. `unreadable`: a file could not be read at all (missing, no permission), as
 * opposed to read and refused; a file over the size limit is refused, as the app refuses it.
 * A problem with an overlay names the overlay.
 */
export async function checkConfigFile(
  file: string,
  rules: ConfigValidationRules<object>,
  maxFileBytes: number = DEFAULT_MAX_FILE_BYTES,
  overlays: readonly string[] = [],
): Promise<CheckResult> {
  const path = resolve(file);
  let text: string;
  let at = path;
  try {
    text = (await readConfigFile(path, maxFileBytes)).text;
    if (overlays.length === 0) return await checkConfigText(text, path, rules, maxFileBytes);
    const layers: DocumentLayer[] = [];
    for (const overlay of overlays) {
      at = resolve(overlay);
      const patch = parseConfigText((await readConfigFile(at, maxFileBytes)).text, at);
      layers.push({ name: overlay, patch });
    }
    at = path;
    text = assembleLayeredDocument(text, path, layers).text;
  } catch (error) {
    const unreadable = !(error instanceof ConfigTooLargeError || error instanceof ConfigParseError);
    return { valid: false, file: path, problems: problemsOf(error, at), unreadable };
  }
  // Each file is held to the limit, as the module holds them; the merged document is not.
  return checkConfigText(text, path, rules, Number.POSITIVE_INFINITY);
}

/**
 * Validates a document that is already read (an etcd value) as `checkConfigFile` validates a
 * file, size limit included; `where` names it in every problem, as a file's path does.
 */
export async function checkConfigText(
  text: string,
  where: string,
  rules: ConfigValidationRules<object>,
  maxFileBytes: number = DEFAULT_MAX_FILE_BYTES,
): Promise<CheckResult> {
  const size = Buffer.byteLength(text, 'utf8');
  if (size > maxFileBytes) {
    const error = new ConfigTooLargeError(where, size, maxFileBytes);
    return { valid: false, file: where, problems: problemsOf(error, where), unreadable: false };
  }
  try {
    const { plain } = await validatedText(text, where, rules);
    return { valid: true, file: where, text, plain };
  } catch (error) {
    return { valid: false, file: where, problems: problemsOf(error, where), unreadable: false };
  }
}

/** A merge-patch file as read, or why it cannot be used, naming it. */
export type PatchFile =
  | { read: true; file: string; patch: Record<string, unknown> }
  | { read: false; file: string; problems: Problem[] };

/**
 * Reads a merge-patch file with the module's reader and its strict parser, as `overlayPaths`
 * reads one: a JSON object at the root, no key twice, no prototype key, at most `maxFileBytes`.
 * A syntax error names the file with line and column.
 */
export async function readPatchFile(
  file: string,
  maxFileBytes: number = DEFAULT_MAX_FILE_BYTES,
): Promise<PatchFile> {
  const path = resolve(file);
  try {
    const patch = parseConfigText((await readConfigFile(path, maxFileBytes)).text, path);
    return { read: true, file: path, patch };
  } catch (error) {
    return { read: false, file: path, problems: problemsOf(error, path) };
  }
}

/**
 * Validates an etcd value with `layers` merged over it, as an instance assembles and checks its
 * document: the base is parsed strictly (a problem with it names `baseWhere`), the merged
 * document validated (its problems name `where`). No size limit: an instance sets none on etcd.
 */
export async function checkLayeredText(
  baseText: string,
  baseWhere: string,
  layers: readonly DocumentLayer[],
  where: string,
  rules: ConfigValidationRules<object>,
): Promise<CheckResult> {
  let text: string;
  try {
    text = assembleLayeredDocument(baseText, baseWhere, layers).text;
  } catch (error) {
    const problems = problemsOf(error, baseWhere);
    return { valid: false, file: baseWhere, problems, unreadable: false };
  }
  return checkConfigText(text, where, rules, Number.POSITIVE_INFINITY);
}

/** What an error of the reader, the parser or the validators says, as problems naming `file`. */
export function problemsOf(error: unknown, file: string): Problem[] {
  if (error instanceof ConfigTooLargeError) {
    return [{ code: error.code, message: messages.tooLargeForCli(error.size, error.limit), file }];
  }
  if (error instanceof ConfigValidationError) {
    return error.issues.map((issue) => ({
      code: error.code,
      message: issue.message,
      file,
      path: issue.path,
    }));
  }
  if (error instanceof ConfigParseError) {
    const message = error.line ? error.reason : error.message;
    const at = { line: error.line, column: error.column };
    return [
      { code: error.code, message, file, ...at, ...(error.path ? { path: error.path } : {}) },
    ];
  }
  const code = error instanceof ConfigReloadError ? error.code : 'ERROR';
  return [{ code, message: describeError(error), file }];
}

/** `file:line:column: message` for syntax errors, `file: path: message` for validation ones. */
export function formatProblem(problem: Problem): string {
  if (problem.line) return `${problem.file}:${problem.line}:${problem.column}: ${problem.message}`;
  if (problem.path !== undefined) {
    return `${problem.file}: ${problem.path || '(root)'}: ${problem.message}`;
  }
  return `${problem.file}: ${problem.message}`;
}
