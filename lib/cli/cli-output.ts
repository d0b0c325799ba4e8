import { styleText } from 'node:util';

type Colour = 'red' | 'green' | 'yellow' | 'cyan' | 'gray' | 'bold';

/** Where the CLI writes: results on stdout, problems on stderr, colour only on a terminal. */
export interface CliOutput {
  out(line: string): void;
  err(line: string): void;
  paint(colour: Colour, text: string): string;
}

export function terminalOutput(): CliOutput {
  const colour = Boolean(process.stdout.isTTY) && !process.env.NO_COLOR;
  return {
    out: (line) => process.stdout.write(`${line}\n`),
    err: (line) => process.stderr.write(`${line}\n`),
    paint: (name, text) => (colour ? styleText(name, text) : text),
  };
}

/** Exit codes, stable across releases (documented in the README). */
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
  /** `publish --wait`, `rollback --wait`: a live instance rejected the published revision. */
  Rejected: 5,
  /** `--wait`: the timeout ended with live instances still behind (none rejected). */
  Behind: 6,
  /** etcd did not answer within the dial timeout (unreachable, down, no quorum). */
  Unavailable: 7,
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
