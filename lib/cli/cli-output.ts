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
  /** A file or module could not be read or written. */
  Io: 3,
} as const;
