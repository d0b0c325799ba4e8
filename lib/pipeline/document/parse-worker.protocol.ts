import type { ParsePatch } from './parse-patch.js';

/** Bumped whenever the messages below change: a worker file of another build is not used. */
export const PARSE_WORKER_PROTOCOL = 1;

export interface ParseWorkerData {
  /** The JSON Schema, checked in the worker too (compiled there once). */
  schema?: unknown;
}

/**
 * Parse `text`; with `basis`, answer with the difference from the document of that id; without,
 * keep it as the basis of later requests.
 */
export interface ParseRequest {
  id: number;
  basis?: number;
  text: string;
}

export type ParseReply =
  | { id: number; outcome: 'patch'; patch: ParsePatch }
  /** Kept, for later requests to name as their basis. */
  | { id: number; outcome: 'kept' }
  /** Not valid JSON, or refused by the schema: the main thread finds out why. */
  | { id: number; outcome: 'refused' }
  /** The basis was not kept (too old): the main thread parses this one itself. */
  | { id: number; outcome: 'no-basis' };
