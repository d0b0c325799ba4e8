/**
 * Lines of a table in aligned columns, two spaces apart; the last column is not padded, so a
 * long error message does not widen every row.
 */
export function alignedColumns(
  header: readonly string[],
  cells: readonly string[][],
): {
  header: string;
  rows: string[];
} {
  const widths = header.map((title, column) =>
    Math.max(title.length, ...cells.map((line) => line[column]!.length)),
  );
  const line = (values: readonly string[]) =>
    values
      .map((value, column) =>
        column === values.length - 1 ? value : value.padEnd(widths[column]!),
      )
      .join('  ')
      .trimEnd();
  return { header: line(header), rows: cells.map(line) };
}
