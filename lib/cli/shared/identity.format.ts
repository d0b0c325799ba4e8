import { printable } from '../../change/printable.js';
import type { ConfigVariant } from '../../interfaces/config-source.interface.js';

/** What reads back as a name, and as a value (the first `=` of a term ends its name). */
const NAME = /^[^\s,="]+$/;
const VALUE = /^[^\s,"]+$/;

/**
 * Text from another instance's record or a selector in etcd, untrusted, as one token of a
 * status line: on one line with control characters escaped, and in double quotes when it holds
 * what would read as more than one token (spaces, a comma, a quote) or is empty.
 */
export function shownToken(text: string, plain = VALUE): string {
  const shown = printable(text);
  return plain.test(shown) ? shown : `"${shown.replace(/"/g, '\\"')}"`;
}

/**
 * Labels as `name=value,name=value` (the command-line selector's syntax), sorted by name; a
 * label named `seed` or `instance` is quoted, so that it does not read as that term.
 */
export function formatLabels(labels: Readonly<Record<string, string>>): string {
  return Object.keys(labels)
    .sort()
    .map((name) => {
      const reserved = name === 'seed' || name === 'instance';
      return `${reserved ? `"${name}"` : shownToken(name, NAME)}=${shownToken(labels[name]!)}`;
    })
    .join(',');
}

/** What made a document: `canary:<id> +btc +eu`, `+btc`, or `base` for the published one. */
export function formatVariant(variant: ConfigVariant): string {
  const layers = [
    ...(variant.canary === undefined ? [] : [`canary:${shownToken(variant.canary)}`]),
    ...variant.overlays.map((name) => `+${shownToken(name)}`),
  ];
  return layers.length > 0 ? layers.join(' ') : 'base';
}
