import { wrapAnsi } from 'fast-wrap-ansi';
import stringWidth from 'fast-string-width';

/** Wraps each line at word boundaries; a wrapped line's continuation keeps its indentation. */
export function wrapToWidth(text: string, columns: number): string {
  if (columns <= 20) return text;
  return text
    .split('\n')
    .map((line) => {
      const indent = /^ */.exec(line)?.[0] ?? '';
      const body = line.slice(indent.length);
      return wrapAnsi(body, columns - indent.length, { hard: true, trim: true })
        .split('\n')
        .map((row) => `${indent}${row}`)
        .join('\n');
    })
    .join('\n');
}

/**
 * `text` (one line) cut to at most `columns` cells, ending in "…" when cut, so a line redrawn in
 * place never wraps. `keep`, when it fits, stays whole at the end (the elapsed time of a wait).
 */
export function truncateToWidth(text: string, columns: number, keep = ''): string {
  const room = columns - stringWidth(keep);
  if (room < 2) return cut(`${text}${keep}`, columns);
  return `${cut(text, room)}${keep}`;
}

function cut(text: string, columns: number): string {
  if (stringWidth(text) <= columns) return text;
  const head = wrapAnsi(text, Math.max(columns - 1, 1), { hard: true, wordWrap: false, trim: false });
  return `${head.split('\n')[0] ?? ''}…`;
}
