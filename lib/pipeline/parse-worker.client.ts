import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import {
  PARSE_WORKER_PROTOCOL,
  type ParseReply,
  type ParseWorkerData,
} from './parse-worker.protocol.js';

const WORKER_FILE = 'parse.worker.js';

/**
 * Where the compiled worker is. In a build it sits next to this file (`dist/pipeline/`), for
 * CommonJS and ES module consumers alike: the ES module entry re-exports this very build. From
 * the TypeScript sources (the test runner) it is the build of the package they belong to.
 */
export function findParseWorkerFile(): string | undefined {
  for (const file of [
    join(__dirname, WORKER_FILE),
    join(__dirname, '../../dist/pipeline', WORKER_FILE),
  ]) {
    if (existsSync(file)) return file;
  }
  return undefined;
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

  constructor(private readonly data: ParseWorkerData) {}

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
      const file = findParseWorkerFile();
      if (!file) return resolve(false);
      const worker = new Worker(file, { workerData: this.data });
      worker.unref();
      this.worker = worker;
      worker.once('message', (hello: { ready?: number }) => {
        if (hello.ready === PARSE_WORKER_PROTOCOL) {
          worker.on('message', (reply: ParseReply) => this.settle(reply));
          worker.unref(); // again: a 'message' listener refs the worker
          resolve(true);
        } else {
          void this.close();
          resolve(false);
        }
      });
      worker.once('error', () => {
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
