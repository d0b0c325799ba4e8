import { spawn, type ChildProcess } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, readFile, rename, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { waitFor } from './wait-for.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const PACKAGE_NAME = 'nestjs-config-reloader';

/**
 * The README's Quick start files, as it shows them: a TypeScript block names itself on its first
 * line (`// src/main.ts`), a JSON block is the last `name.json` written in backticks before it.
 */
export async function quickStartFiles(): Promise<Map<string, string>> {
  const readme = await readFile(join(root, 'README.md'), 'utf8');
  const start = readme.indexOf('## Quick start\n');
  const section = readme.slice(start, readme.indexOf('\n## ', start + 1));
  const files = new Map<string, string>();
  const block = /```(ts|json)\n([\s\S]*?)```/g;
  for (let match = block.exec(section); match; match = block.exec(section)) {
    const [, language, code] = match;
    const name =
      language === 'ts'
        ? /^\/\/ (\S+\.ts)\n/.exec(code!)?.[1]
        : [...section.slice(0, match.index).matchAll(/`([\w/.-]+\.json)`/g)].at(-1)?.[1];
    if (name) files.set(name, code!);
  }
  return files;
}

interface Manifest {
  dependencies: Record<string, string>;
  devDependencies?: Record<string, string>;
}

export function manifestOf(files: Map<string, string>): Manifest {
  return JSON.parse(files.get('package.json') ?? '{}') as Manifest;
}

/**
 * Writes the files to a fresh temp directory whose node_modules holds what the app's package.json
 * depends on, without a network: the project's installed copies, and this package as published
 * (its package.json and the built dist/, which `npm run build` must have made).
 */
export async function writeQuickStartApp(files: Map<string, string>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'config-reloader-quick-start-'));
  for (const [name, text] of files) {
    await mkdir(dirname(join(dir, name)), { recursive: true });
    await writeFile(join(dir, name), text);
  }
  for (const name of Object.keys(manifestOf(files).dependencies)) {
    const target = join(dir, 'node_modules', name);
    await mkdir(dirname(target), { recursive: true });
    if (name === PACKAGE_NAME) {
      await mkdir(target);
      await copyFile(join(root, 'package.json'), join(target, 'package.json'));
      await symlink(join(root, 'dist'), join(target, 'dist'), 'dir');
    } else {
      await symlink(join(root, 'node_modules', name), target, 'dir');
    }
  }
  return dir;
}

/** Saves a file as editors do: a temp file in the same directory, renamed over the original. */
export async function saveAtomically(file: string, content: unknown): Promise<void> {
  const temp = join(dirname(file), `.${process.pid}.${Date.now()}.tmp`);
  await writeFile(temp, JSON.stringify(content, null, 2));
  await rename(temp, file);
}

/** `node dist/main.js` in the app's directory, with everything it prints kept for the test. */
export class QuickStartProcess {
  private output = '';
  private readonly child: ChildProcess;
  private exit?: { code: number | null; signal: NodeJS.Signals | null };
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  constructor(dir: string) {
    this.child = spawn(process.execPath, [join('dist', 'main.js')], {
      cwd: dir,
      env: { ...process.env, NO_COLOR: '1' },
    });
    this.child.stdout!.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
    this.child.stderr!.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
    this.exited = new Promise((resolve) =>
      this.child.on('exit', (code, signal) => resolve((this.exit = { code, signal }))),
    );
  }

  /** Everything printed so far. */
  get log(): string {
    return this.output;
  }

  /** A mark to wait for lines printed after it. */
  get mark(): number {
    return this.output.length;
  }

  /** Waits until the output after `from` contains `text`; returns the mark just after it. */
  async waitForLine(text: string, from = 0, timeoutMs = 15_000): Promise<number> {
    try {
      // Offset by one: a match at the mark itself must count as found.
      const found = await waitFor(() => this.output.indexOf(text, from) + 1 || this.exit, {
        timeoutMs,
        description: `"${text}" in the app's output`,
      });
      if (typeof found !== 'number') throw new Error(`The app exited (${JSON.stringify(found)})`);
      return found - 1 + text.length;
    } catch (error) {
      throw new Error(`${(error as Error).message}; it printed:\n${this.output.slice(from)}`);
    }
  }

  /** Waits, bounded, for the process to exit; returns its exit code and signal. */
  waitForExit(timeoutMs = 10_000): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    return waitFor(() => this.exit, { timeoutMs, description: 'the app to exit' });
  }

  stop(signal: NodeJS.Signals = 'SIGTERM'): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill(signal);
  }
}
