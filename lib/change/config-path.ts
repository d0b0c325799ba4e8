/**
 * The one path notation used in change lists, validation issues and the audit log: dotted,
 * array indices as numbers (`strategies.3.risk.stopLoss`). The root is the empty string.
 */
export function toDottedPath(segments: readonly (string | number)[]): string {
  return segments.join('.');
}

/** Converts a JSON Pointer (`/strategies/3/risk`) into the dotted notation. */
export function jsonPointerToDottedPath(pointer: string): string {
  if (pointer === '') return '';
  return toDottedPath(
    pointer
      .slice(1)
      .split('/')
      .map((segment) => segment.replace(/~1/g, '/').replace(/~0/g, '~')),
  );
}

export function joinPath(parent: string, child: string | number): string {
  return parent === '' ? String(child) : `${parent}.${child}`;
}
