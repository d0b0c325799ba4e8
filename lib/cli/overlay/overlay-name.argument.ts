import { InvalidArgumentError } from 'commander';

/** The longest overlay name `overlay set` writes, in UTF-16 code units. */
export const MAX_OVERLAY_NAME_LENGTH = 128;

/**
 * Control characters, and the invisible ones that reorder or hide text in a terminal
 * (zero-width, bidirectional overrides, the byte order mark).
 */
const INVISIBLE =
  // oxlint-disable-next-line no-control-regex -- the control characters are what it finds
  /[\u0000-\u001f\u007f-\u009f\u00a0\u200b-\u200f\u2028-\u202e\u2060-\u2064\ufeff]/gu;

/**
 * `/` (the name is one segment of `<key>/overlays/<name>`), white space, a comma or a double
 * quote (the name is one token of a status row's variant, `+btc`).
 */
const SEPARATOR = /[/\s,"]/u;

const NAMES =
  `1 to ${MAX_OVERLAY_NAME_LENGTH} characters without "/", spaces, commas, quotes or ` +
  'control characters, like btc or exp-7-a';

/** A name as typed, with every invisible character shown as its code (`\u202e`). */
const shown = (name: string) => `"${name.replace(INVISIBLE, (c) => codeOf(c))}"`;

const overlayNameMessages = {
  empty: () => `an empty overlay name: give ${NAMES}.`,
  tooLong: (length: number) => `the overlay name is ${length} characters long: give ${NAMES}.`,
  refused: (name: string, found: string) =>
    `${shown(name)} holds ${found}: an overlay name is ${NAMES}.`,
  dots: (name: string) => `${shown(name)} reads as a step of a path: give ${NAMES}.`,
} as const;

/**
 * The `<name>` of `overlay set`: one path segment under `<key>/overlays/`, printable, short.
 * Throws commander's InvalidArgumentError, so a bad name is a usage error (exit 2).
 */
export function parseOverlayName(value: string): string {
  if (value === '') throw new InvalidArgumentError(overlayNameMessages.empty());
  if (value.length > MAX_OVERLAY_NAME_LENGTH) {
    throw new InvalidArgumentError(overlayNameMessages.tooLong(value.length));
  }
  const invisible = value.search(INVISIBLE);
  const at = invisible === -1 ? value.search(SEPARATOR) : invisible;
  if (at !== -1) {
    throw new InvalidArgumentError(overlayNameMessages.refused(value, describe(value[at]!)));
  }
  if (value === '.' || value === '..') {
    throw new InvalidArgumentError(overlayNameMessages.dots(value));
  }
  return value;
}

/**
 * The `<name>` of `overlay rm`: any name an overlay has, one written by hand with etcdctl
 * included (`overlay list` shows them all), so that every record can be removed.
 */
export function parseExistingOverlayName(value: string): string {
  if (value === '') throw new InvalidArgumentError(overlayNameMessages.empty());
  return value;
}

function describe(character: string): string {
  if (character === '/') return 'a "/" (the name is one segment of the key)';
  if (character === ',' || character === '"') return `a "${character}"`;
  if (character === ' ') return 'a space';
  return `the character ${codeOf(character)}`;
}

function codeOf(character: string): string {
  return `\\u${character.charCodeAt(0).toString(16).padStart(4, '0')}`;
}
