import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Worker } from 'node:worker_threads';
import {
  PARSE_WORKER_PROTOCOL,
  type ParseReply,
  type ParseWorkerData,
} from './parse-worker.protocol.js';

const WORKER_FILE = 'parse.worker.js';

/** Names the worker file where no search finds it (a bundle that left it behind). */
export const PARSE_WORKER_ENV = 'CONFIG_RELOADER_PARSE_WORKER';

/**
 * Where the compiled worker may be, in the order they are tried:
 * - `CONFIG_RELOADER_PARSE_WORKER`, for a layout nobody can guess;
 * - next to this file, in a build (`dist/pipeline/document/`), for CommonJS and ES module consumers alike;
 * - from the TypeScript sources (the test runner), the build of the package they belong to;
 * - next to the app's entry script, where a bundler that inlines the library may copy it;
 * - the installed package, when a bundle inlines the library but the package is still installed.
 */
export function parseWorkerCandidates(
  env: NodeJS.ProcessEnv = process.env,
  entryScript: string | undefined = process.argv[1],
): string[] {
  const candidates = [
    env[PARSE_WORKER_ENV],
    join(__dirname, WORKER_FILE),
    join(__dirname, '../../../dist/pipeline/document', WORKER_FILE),
    entryScript && join(dirname(entryScript), WORKER_FILE),
    installedWorkerFile(entryScript),
  ];
  return [...new Set(candidates.filter((file): file is string => Boolean(file)))];
}

function installedWorkerFile(entryScript: string | undefined): string | undefined {
  try {
    const require = createRequire(entryScript ?? join(process.cwd(), 'index.js'));
    const manifest = require.resolve('nestjs-config-reloader/package.json');
    return join(dirname(manifest), 'dist/pipeline/document', WORKER_FILE);
  } catch {
    return undefined;
  }
}

export function findParseWorkerFile(candidates = parseWorkerCandidates()): string | undefined {
  return candidates.find((file) => existsSync(file));
}

export interface ParseWorkerClientOptions {
  /** Where the worker file is (default: the first of `parseWorkerCandidates()` that exists). */
  findWorkerFile?: () => string | undefined;
  /** The worker cannot be used: told once, with the reason. */
  onUnavailable?: (reason: string) => void;
}

type Pending = (reply: ParseReply | undefined) => void;

/**
 * The main thread's side of the parse worker: one worker, started on first use and ended by
 * `close()`; referenced only while an answer is awaited, so that an idle worker never keeps a
 * process alive. Any trouble (no worker
 * file, another build's worker, a crash) makes every request answer `undefined`: the caller then
 * parses on the main thread, as it does for small documents.
 */
export class ParseWorkerClient {
  private worker: Worker | undefined;
  private ready: Promise<boolean> | undefined;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private broken = false;
  private saidUnavailable = false;

  constructor(
    private readonly data: ParseWorkerData,
    private readonly options: ParseWorkerClientOptions = {},
  ) {}

  /**
   * Has the worker parse `text` (with `basis`: answer with the patch from that document; without:
   * keep it as a basis). The id names the document in later requests; requests are answered in
   * the order they were made.
   */
  send(text: string, basis?: number): { id: number; reply: Promise<ParseReply | undefined> } {
    const id = this.nextId++;
    const reply = this.start().then(
      (started) =>
        new Promise<ParseReply | undefined>((resolve) => {
          if (!started || !this.worker) return resolve(undefined);
          this.pending.set(id, resolve);
          // Referenced while an answer is awaited: nothing else may keep the process alive then.
          this.worker.ref();
          this.worker.postMessage({ id, basis, text });
        }),
    );
    return { id, reply };
  }

  /** Ends the worker; later requests answer `undefined`. */
  async close(): Promise<void> {
    this.broken = true;
    const worker = this.worker;
    this.worker = undefined;
    this.fail();
    await worker?.terminate();
  }

  private start(): Promise<boolean> {
    if (this.broken) return Promise.resolve(false);
    this.ready ??= new Promise<boolean>((resolve) => {
      const file = (this.options.findWorkerFile ?? findParseWorkerFile)();
      if (!file) {
        this.unavailable(
          `${WORKER_FILE} was not found (looked in ${parseWorkerCandidates().join(', ')})`,
        );
        return resolve(false);
      }
      const worker = new Worker(file, { workerData: this.data });
      worker.unref();
      this.worker = worker;
      worker.once('message', (hello: { ready?: number }) => {
        if (hello.ready === PARSE_WORKER_PROTOCOL) {
          worker.on('message', (reply: ParseReply) => this.settle(reply));
          worker.unref(); // again: a 'message' listener refs the worker
          resolve(true);
        } else {
          this.unavailable(`${file} belongs to another version of the package`);
          void this.close();
          resolve(false);
        }
      });
      worker.once('error', (error) => {
        this.unavailable(`${file} failed to start: ${error.message}`);
        this.broken = true;
        this.fail();
        resolve(false);
      });
      worker.once('exit', () => {
        this.broken = true;
        this.fail();
        resolve(false);
      });
    });
    return this.ready;
  }

  /** Said once: every later large document is parsed on the main thread too. */
  private unavailable(reason: string): void {
    if (this.saidUnavailable) return;
    this.saidUnavailable = true;
    this.options.onUnavailable?.(reason);
  }

  private settle(reply: ParseReply): void {
    const resolve = this.pending.get(reply.id);
    this.pending.delete(reply.id);
    if (this.pending.size === 0) this.worker?.unref();
    resolve?.(reply);
  }

  private fail(): void {
    for (const resolve of this.pending.values()) resolve(undefined);
    this.pending.clear();
  }
}
