import { parseConfigText } from './config.parser.js';
import { applyMergePatch } from './merge-patch.js';

/** One merge patch (RFC 7386) over the base, already parsed, and the name it goes by. */
export interface DocumentLayer {
  /** How the source names it in `variant.overlays` (file: the path as given; etcd: the key's name). */
  name: string;
  patch: unknown;
}

/** The document a source hands over when it layers: the effective text and what made it. */
export interface LayeredDocument {
  /** The effective document; the base text itself, byte for byte, when there are no layers. */
  text: string;
  /** The base it was made from: what a rollback writes back. */
  baseText: string;
  /** The layers' names, in the order they were applied. */
  overlays: string[];
}

/**
 * The effective document: the base with every layer merged over it, in order. Without layers
 * the base text is returned as it is, so that its hash and revision are what they were before
 * layers existed. With layers, the base is parsed as strictly as the reload path parses a
 * config (an error names `baseWhere`, with line and column) and the result is serialized as
 * two-space indented JSON with a final newline.
 */
export function assembleLayeredDocument(
  baseText: string,
  baseWhere: string,
  layers: readonly DocumentLayer[],
): LayeredDocument {
  if (layers.length === 0) return { text: baseText, baseText, overlays: [] };
  let value: unknown = parseConfigText(baseText, baseWhere);
  for (const layer of layers) value = applyMergePatch(value, layer.patch);
  return {
    text: `${JSON.stringify(value, null, 2)}\n`,
    baseText,
    overlays: layers.map((layer) => layer.name),
  };
}
