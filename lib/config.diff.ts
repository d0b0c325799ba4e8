import diff from 'microdiff';
import { toDottedPath } from './config-path.js';

/**
 * Dotted paths (array indices as numbers) of every value that differs between two parsed
 * configs: `strategies.3.risk.stopLoss`. Added and removed keys count as changes.
 */
export function changedPaths(before: object, after: object): string[] {
  const paths = diff(before as Record<string, unknown>, after as Record<string, unknown>, {
    cyclesFix: false,
  }).map((difference) => toDottedPath(difference.path));
  return [...new Set(paths)];
}
