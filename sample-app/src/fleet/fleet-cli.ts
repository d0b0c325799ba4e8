import { execFile } from 'node:child_process';
import { basename } from 'node:path';
import { fileURLToPath } from 'node:url';

const WIDTH = 160;
const CLI = fileURLToPath(new URL('../../../dist/cli/main.js', import.meta.url));

/** What one command printed and how it exited. */
export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs `config-reloader` (the repository's build, as `npx config-reloader` would run the
 * installed one) against the fleet's etcd key, and prints each command with what it said, so the
 * walkthrough reads like a terminal session.
 */
export class FleetCli {
  constructor(
    private readonly etcdUrl: string,
    private readonly key: string,
    private readonly print: (line: string) => void,
  ) {}

  /** Runs `args` plus the etcd flags; files in `args` are shown by their base name. */
  async run(args: string[], options: { quiet?: boolean } = {}): Promise<CliRun> {
    const all = [...args, '--etcd', this.etcdUrl, '--key', this.key];
    const result = await new Promise<CliRun>((resolve) => {
      execFile(
        process.execPath,
        [CLI, ...all],
        { env: { ...process.env, NO_COLOR: '1' }, timeout: 120_000 },
        (error, stdout, stderr) => {
          const code = error ? Number((error as { code?: unknown }).code ?? 1) : 0;
          resolve({ code: Number.isInteger(code) ? code : 1, stdout, stderr });
        },
      );
    });
    if (!options.quiet) {
      const shown = args.map((arg) =>
        arg.includes('/') && arg.endsWith('.json') ? basename(arg) : arg,
      );
      this.print(`$ config-reloader ${shown.join(' ')} --etcd ${this.etcdUrl} --key ${this.key}`);
      for (const line of `${result.stdout}${result.stderr}`.trimEnd().split('\n')) {
        // A whole value on one diff line (the first publish's) is cut: the walkthrough is read.
        if (line !== '') this.print(`  ${/^\s*[-+~] /.test(line) ? cut(line) : line}`);
      }
      this.print(`  (exit ${result.code})`);
    }
    return result;
  }
}

function cut(line: string): string {
  return line.length > WIDTH ? `${line.slice(0, WIDTH - 3)}...` : line;
}
