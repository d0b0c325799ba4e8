import { stripVTControlCharacters, styleText } from 'node:util';

type Colour = 'red' | 'green' | 'yellow' | 'cyan' | 'gray' | 'bold';

/** Where the CLI writes: results on stdout, problems on stderr, colour only on a terminal. */
export interface CliOutput {
  out(line: string): void;
  err(line: string): void;
  paint(colour: Colour, text: string): string;
}

type Stream = Pick<NodeJS.WriteStream, 'write'> & { isTTY?: boolean };

/**
 * Each stream decides for itself whether it gets colour: `publish > log.txt` keeps the errors
 * on the terminal coloured and the file plain, and `2> errors.txt` the other way round. Lines
 * are painted once and the colour is taken out again for a stream that is not a terminal (every
 * escape sequence in a line comes from `paint`: text from elsewhere is escaped before).
 */
export function terminalOutput(
  stdout: Stream = process.stdout,
  stderr: Stream = process.stderr,
  env: NodeJS.ProcessEnv = process.env,
): CliOutput {
  const colourOn = (stream: Stream) => Boolean(stream.isTTY) && !env.NO_COLOR;
  const writer = (stream: Stream) => {
    const colour = colourOn(stream);
    return (line: string) => stream.write(`${colour ? line : stripVTControlCharacters(line)}\n`);
  };
  const anyColour = colourOn(stdout) || colourOn(stderr);
  // Node 22's styleText checks process.stdout itself unless told not to; Node 20's ignores this.
  const style = styleText as (colour: Colour, text: string, options?: object) => string;
  return {
    out: writer(stdout),
    err: writer(stderr),
    paint: (name, text) => (anyColour ? style(name, text, { validateStream: false }) : text),
  };
}

/** Exit codes, stable across releases (documented in docs/cli-and-fleet.md). */
export const ExitCode = {
  /** Valid, applied, or no difference. */
  Ok: 0,
  /** The config is invalid or too large (or, for `diff`, the files differ). */
  Invalid: 1,
  /** The command line is wrong: unknown option, missing argument. */
  Usage: 2,
  /**
   * A file or module could not be read or written (for `diff`, also parsed); etcd refused a read
   * or write (permission, size); `rollback` has no earlier value to write back (none, or its
   * revision compacted away).
   */
  Io: 3,
  /** `publish`, `rollback`: the key changed between the read and the write; nothing was written. */
  Conflict: 4,
  /**
   * `publish --wait`, `rollback --wait`: a live instance rejected the published revision;
   * `publish --dry-run --wait`: one rejected the config tried.
   */
  Rejected: 5,
  /**
   * `--wait`: the timeout ended with live instances still behind (none rejected); with
   * `--dry-run`, some did not answer the trial (or ended before they did).
   */
  Behind: 6,
  /** etcd did not answer within the dial timeout (unreachable, down, no quorum). */
  Unavailable: 7,
  /**
   * `publish --dry-run --wait`: another trial is in progress on the key; nothing was tried.
   * `publish`: a canary is in progress, nothing written; `canary set | promote | abort | status`:
   * no canary is in progress.
   */
  InProgress: 8,
} as const;

/**
 * A command that cannot go on: main() prints `message` on stderr and exits with `exitCode`.
 * For failures that end a command midway (etcd unreachable); results are reported by the command.
 */
export class CliFailure extends Error {
  constructor(
    readonly exitCode: number,
    message: string,
  ) {
    super(message);
    this.name = 'CliFailure';
  }
}
