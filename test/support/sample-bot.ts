import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { waitFor } from './wait-for.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

/**
 * The built sample bot (`node sample-app/dist/main.js`), as `npm start` runs it: on a free port,
 * without trading on its own unless `env` says so; its output kept for the test's messages.
 */
export class SampleBot {
  output = '';
  readonly process: ChildProcess;

  constructor(env: Record<string, string>) {
    this.process = spawn(process.execPath, ['sample-app/dist/main.js'], {
      cwd: root,
      env: { ...process.env, PORT: '0', AUTO_TRADE: 'false', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.process.stdout!.on('data', (chunk: Buffer) => void (this.output += chunk.toString()));
    this.process.stderr!.on('data', (chunk: Buffer) => void (this.output += chunk.toString()));
  }

  async url(): Promise<string> {
    const match = await waitFor(() => /Listening on (http:\/\/\S+)/.exec(this.output), {
      timeoutMs: 20_000,
      description: `the bot to listen (output so far: ${this.output})`,
    });
    return match[1]!;
  }

  async stop(): Promise<void> {
    if (this.process.exitCode !== null) return;
    const exited = new Promise((resolve) => this.process.once('exit', resolve));
    this.process.kill('SIGTERM');
    await exited;
  }
}
