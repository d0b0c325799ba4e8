/**
 * Config keys and other instances' records are untrusted text: written raw into a log line or a
 * terminal, `"x\u001b[2J\nFAKE LOG LINE"` clears the screen or forges a line. These show such
 * text as it is, with every control character escaped (`\u001b`, `\n`).
 */
export function escapeControlCharacters(text: string): string {
  return text.replace(
    // oxlint-disable-next-line no-control-regex -- the control characters are what it finds
    /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

/**
 * Text from elsewhere (another instance's status record, an error message that spans lines) as
 * one line that cannot move the cursor or forge a row: line breaks fold into ` / `, every other
 * control character is shown escaped (`\u001b`), and a value that is not a string or a number
 * (a forged record) shows as `?`.
 */
export function printable(value: unknown): string {
  if (typeof value === 'number') return String(value);
  if (typeof value !== 'string') return '?';
  return escapeControlCharacters(
    value
      .split(/\r\n|[\n\r\u2028\u2029]/)
      .map((line) => line.trim())
      .filter(Boolean)
      .join(' / '),
  );
}
