import type { Logger } from '@nestjs/common';
import { messages } from '../../config-reloader.messages.js';
import { applyPatch } from './parse-patch.js';
import { PARSE_WORKER_ENV, ParseWorkerClient } from './parse-worker.client.js';
import { parseAndCheckSchema, schemaSourceOf, type SchemaValidator } from './schema.validator.js';
import { shareUnchanged } from '../structural-sharing.js';

/**
 * From this size up (in characters) a document is parsed and schema-checked in the parse worker:
 * below it, sending the text and a patch back costs the main thread more than parsing does.
 * Measured with `npm run bench -- --only=stall` and BENCHMARKS.md ("Off the main thread").
 */
export const OFF_THREAD_MIN_CHARS = 256 * 1024;

/** A parsed, schema-checked document, and the id the parse worker knows it by (if it does). */
export interface ParsedDocument {
  plain: Record<string, unknown>;
  workerId?: number;
}

/**
 * Parses config text and checks it against the JSON Schema, into a document that shares every
 * unchanged subtree with the previous one (by identity). A large document is parsed in the parse
 * worker, which answers with the difference from the previous document, so that this thread
 * only rebuilds the changed part. Whatever the worker refuses, or cannot answer, is parsed here:
 * errors are always this thread's own.
 */
export class DocumentParser {
  private readonly worker: ParseWorkerClient | undefined;
  /** How many documents came back from the worker as a patch (the rest were parsed here). */
  parsedOffThread = 0;

  constructor(
    private readonly schema: SchemaValidator | undefined,
    private readonly where: string,
    /** The size from which documents go to the worker; `Infinity`: never. */
    private readonly offThreadMinChars = OFF_THREAD_MIN_CHARS,
    /** Told once when the worker cannot be used (a bundle that left its file behind, say). */
    logger?: Partial<Pick<Logger, 'warn'>>,
  ) {
    const source = schema && schemaSourceOf(schema);
    // A schema given as a function alone cannot be sent: such documents are parsed here.
    if (offThreadMinChars !== Infinity && (!schema || source)) {
      this.worker = new ParseWorkerClient(
        { schema: source },
        {
          onUnavailable: (reason) =>
            logger?.warn?.(
              messages.parseWorkerUnavailable(where, offThreadMinChars, reason, PARSE_WORKER_ENV),
            ),
        },
      );
    }
  }

  async parse(text: string, previous?: ParsedDocument): Promise<ParsedDocument> {
    const worker = text.length >= this.offThreadMinChars ? this.worker : undefined;
    if (worker && previous?.workerId !== undefined) {
      const { id, reply } = worker.send(text, previous.workerId);
      const answer = await reply;
      if (answer?.outcome === 'patch') {
        this.parsedOffThread++;
        return {
          plain: applyPatch(answer.patch, previous.plain) as Record<string, unknown>,
          workerId: id,
        };
      }
    }
    const plain = this.parseHere(text, previous?.plain);
    // The worker keeps its own copy as the basis of the next request.
    return { plain, workerId: worker?.send(text).id };
  }

  close(): Promise<void> {
    return this.worker?.close() ?? Promise.resolve();
  }

  private parseHere(text: string, previous?: Record<string, unknown>): Record<string, unknown> {
    const parsed = parseAndCheckSchema(text, this.where, this.schema);
    // Structural sharing on the parsed JSON: an unchanged subtree is then known by identity.
    return previous ? shareUnchanged(parsed, previous).value : parsed;
  }
}
