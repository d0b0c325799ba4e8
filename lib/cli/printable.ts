/**
 * Text from elsewhere (another instance's status record, an error message that spans lines) as
 * one line that cannot move the cursor or forge a row: line breaks fold into ` / `, every other
 * control character is shown escaped (`\u001b`), and a value that is not a string or a number
 * (a forged record) shows as `?`.
 */
export function printable(value: unknown): string {
  if (typeof value === 'number') return String(value);
  if (typeof value !== 'string') return '?';
  return value
    .split(/\r\n|[\n\r\u2028\u2029]/)
    .map((line) => line.trim())
    .filter(Boolean)
    .join(' / ')
    .replace(
      // oxlint-disable-next-line no-control-regex -- the control characters are what it finds
      /[\u0000-\u001f\u007f-\u009f]/g,
      (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
    );
}
