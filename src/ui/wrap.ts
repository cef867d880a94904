import { wrapAnsi } from 'fast-wrap-ansi';

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
