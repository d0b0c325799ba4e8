import { parentPort, workerData } from 'node:worker_threads';
import type { JsonSchema } from '../../interfaces/index.js';
import { encodePatch } from './parse-patch.js';
import {
  PARSE_WORKER_PROTOCOL,
  type ParseReply,
  type ParseRequest,
  type ParseWorkerData,
} from './parse-worker.protocol.js';
import { createSchemaValidator, parseAndCheckSchema } from './schema.validator.js';
import { shareUnchanged } from '../structural-sharing.js';

/**
 * The parse worker: parses and schema-checks large documents off the main thread, keeps the
 * last few it parsed, and answers with the difference from the one the main thread named as its
 * basis. A document it refuses is answered with `refused` only: the main thread then parses it
 * itself, so that the error it reports is exactly the one it would report alone.
 */
const { schema } = workerData as ParseWorkerData;
const checkSchema = schema === undefined ? undefined : createSchemaValidator(schema as JsonSchema);
const documents = new Map<number, Record<string, unknown>>();
const KEPT_DOCUMENTS = 3;

function keep(id: number, document: Record<string, unknown>): void {
  documents.delete(id);
  documents.set(id, document);
  while (documents.size > KEPT_DOCUMENTS) documents.delete(documents.keys().next().value!);
}

function answer(request: ParseRequest): ParseReply {
  const basis = request.basis === undefined ? undefined : documents.get(request.basis);
  if (request.basis !== undefined && !basis) return { id: request.id, outcome: 'no-basis' };
  let parsed: Record<string, unknown>;
  try {
    parsed = parseAndCheckSchema(request.text, 'config', checkSchema);
  } catch {
    // The main thread parses it again, for errors of its own.
    return { id: request.id, outcome: 'refused' };
  }
  if (!basis) {
    keep(request.id, parsed);
    return { id: request.id, outcome: 'kept' };
  }
  const shared = shareUnchanged(parsed, basis).value;
  keep(request.basis!, basis); // most recently used: kept longest
  keep(request.id, shared);
  return { id: request.id, outcome: 'patch', patch: encodePatch(shared, basis) };
}

parentPort!.on('message', (request: ParseRequest) => parentPort!.postMessage(answer(request)));
parentPort!.postMessage({ ready: PARSE_WORKER_PROTOCOL });
