import { createHash } from 'node:crypto';

/**
 * sha256 of a document, hex: equal hashes mean "unchanged", whatever a source's revision says.
 * Every source and the etcd cache hash the same way, so a document is known by it everywhere.
 */
export function hashContent(content: string | Uint8Array): string {
  return createHash('sha256').update(content).digest('hex');
}
