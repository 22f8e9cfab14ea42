// Plain-text columns for terminal tables: padded to the widest cell, two spaces apart.
export function formatColumns (header: readonly string[], rows: ReadonlyArray<readonly string[]>): string {
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map(cells => (cells[c] ?? '').length)))
  const line = (cells: readonly string[]): string => cells.map((cell, c) => cell.padEnd(widths[c] ?? 0)).join('  ').trimEnd()
  return [line(header), ...rows.map(line)].join('\n')
}
